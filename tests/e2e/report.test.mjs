// The missed-chat report end to end: six conversations with known outcomes through the real
// API and sockets (accepted with a reply, declined, expired, nobody available, outside business
// hours, the engagement limit), then the report API's exact counts, its refusals, and the
// admin Overview tab in Chromium showing those numbers and an SVG chart with bars.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  Api, BASE, freshWorkspace, DEMO_AGENTS, signIn, openInbox, launchBrowser, closeAllSockets, until, shot,
} from './lib.mjs';
import { VIEWPORT, signInAdmin } from './inbox-lib.mjs';
import { visitorAsks, acceptAndReply, declineOffer, letExpire, localDates } from './report-lib.mjs';
import { waitEntry } from './lib.mjs';

const [ALICE, BOB] = DEMO_AGENTS;
const ZONE = 'Europe/Paris';
const week = (ranges) => Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ranges]));
const open = { time_zone: ZONE, weekly: week([{ from: '00:00', to: '24:00' }]), exceptions: [] };
const closed = { time_zone: ZONE, weekly: week([]), exceptions: [] };

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });
afterEach(closeAllSockets);

test('the report counts each outcome exactly and the Overview shows it', async () => {
  // Select plan, one engagement: the accepted chat uses it up, so the last visitor hits the limit.
  const { id: ws, admin } = await freshWorkspace('report', {
    agents: [ALICE, BOB],
    settings: { plan: 'select', engagement_limit: 1, accept_timeout_ms: 2_000, inactivity_timeout_ms: 120_000, business_hours: open },
  });
  const path = (rest) => `/api/workspaces/${ws}/${rest}`;
  const token = await signIn(ws, ALICE);
  const inbox = await openInbox(ws, token);

  // 1. Declined by the only agent online (Bob never opens his inbox).
  const declined = await visitorAsks(ws, 'Dee');
  assert.equal((await declineOffer(inbox, declined)).kind, 'live_chat');
  // 2. Offered, no one accepts in time.
  await letExpire(inbox, await visitorAsks(ws, 'Eli'));
  // 3. Nobody available: Alice is away.
  inbox.send({ type: 'set_presence', presence: 'away' });
  await inbox.waitFor((m) => m.type === 'welcome' && m.presence === 'away', 5_000, 'away');
  const nobody = await visitorAsks(ws, 'Nia');
  await waitEntry(nobody.visitor, 'fallback');
  inbox.send({ type: 'set_presence', presence: 'available' });
  await inbox.waitFor((m) => m.type === 'welcome' && m.presence === 'available', 5_000, 'available');
  // 4. Outside business hours.
  const settings = await admin.ok('GET', path('settings'));
  await admin.ok('PUT', path('settings'), { ...settings, business_hours: closed });
  const night = await visitorAsks(ws, 'Oz');
  await waitEntry(night.visitor, 'fallback');
  await admin.ok('PUT', path('settings'), { ...settings, business_hours: open });
  // 5. Accepted, and the agent answers.
  const accepted = await visitorAsks(ws, 'Ada');
  await acceptAndReply(ws, inbox, token, accepted, 'Hi Ada, Alice here. How can I help?');
  // 6. The engagement limit is reached: the global fallback.
  const limited = await visitorAsks(ws, 'Lim');
  assert.equal((await waitEntry(limited.visitor, 'fallback')).kind, 'global');

  // The report of yesterday and today (Paris), once the first reply's index row is in.
  const { today, yesterday } = localDates(ZONE);
  const report = await until(async () => {
    const r = await admin.ok('GET', path(`report?from=${yesterday}&to=${today}`));
    return r.totals.median_first_response_ms !== null ? r : null;
  }, { what: 'the first response in the report' });
  console.log(`  report totals: ${JSON.stringify(report.totals)}`);
  assert.equal(report.time_zone, ZONE);
  assert.deepEqual(report.days.map((d) => d.date), [yesterday, today]);
  const t = report.totals;
  assert.equal(t.conversations, 6);
  assert.equal(t.requests, 6);
  assert.equal(t.accepted, 1);
  assert.deepEqual(t.missed, { total: 5, nobody_available: 1, expired: 1, declined: 1, outside_hours: 1, engagement_limit: 1 });
  assert.ok(Number.isInteger(t.median_accept_ms) && t.median_accept_ms >= 0, 'median time to accept');
  assert.ok(Number.isInteger(t.median_first_response_ms) && t.median_first_response_ms >= t.median_accept_ms, 'median first response');
  // Days add up to the totals.
  for (const k of ['conversations', 'requests', 'accepted']) {
    assert.equal(report.days.reduce((s, d) => s + d[k], 0), t[k], k);
  }
  assert.equal(report.complete, true);
  // Alice was offered three chats: one accepted, one declined, one left to expire.
  const alice = report.agents.find((a) => a.agent === ALICE.id);
  assert.deepEqual(
    { name: alice.name, offers: alice.offers, accepted: alice.accepted, declined: alice.declined, expired: alice.expired, went_away: alice.went_away },
    { name: ALICE.name, offers: 3, accepted: 1, declined: 1, expired: 1, went_away: 0 },
  );
  assert.ok(alice.median_accept_ms !== null && alice.median_first_response_ms !== null);
  assert.equal(report.agents.some((a) => a.agent === BOB.id), false, 'Bob was never offered a chat');
  // No personal data in the report.
  assert.ok(!JSON.stringify(report).includes('example.com'));

  // Refusals: a person-readable 422, admins only.
  let r = await admin.call('GET', path('report?from=2026-01-01&to=2026-06-01'));
  assert.equal(r.status, 422);
  assert.match(r.body.message, /at most 92 days/);
  r = await admin.call('GET', path('report?from=yesterday&to=2026-06-01'));
  assert.equal(r.status, 422);
  assert.match(r.body.message, /YYYY-MM-DD/);
  r = await admin.call('GET', path('report?from=2026-06-02&to=2026-06-01'));
  assert.equal(r.status, 422);
  r = await admin.call('GET', path('report?days=0'));
  assert.equal(r.status, 422);
  r = await new Api(BASE, await signIn(ws, BOB)).call('GET', path('report'));
  assert.equal(r.status, 403);
  r = await new Api(BASE).call('GET', path('report'));
  assert.equal(r.status, 401);
  const week7 = await admin.ok('GET', path('report'));
  assert.equal(week7.days.length, 7);
  assert.equal(week7.to, today);
  assert.equal(week7.totals.requests, 6);

  // The Overview tab shows the same numbers and draws the bars.
  const ctx = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await signInAdmin(ctx, ws, { key: admin.token });
    const tabs = await page.getByRole('tab').allInnerTexts();
    assert.equal(tabs[0], 'Overview', 'the first admin tab');
    await page.getByRole('tab', { name: 'Overview' }).click();
    const kpis = page.getByLabel('Headline numbers');
    await kpis.waitFor({ timeout: 10_000 });
    const kpi = async (label) => (await kpis.locator('.kpi', { has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd').innerText()).trim();
    assert.equal(await kpi('Chat requests'), '6');
    assert.equal(await kpi('Accepted'), '1');
    assert.equal(await kpi('Missed'), '5');
    assert.equal(await kpi('Accept rate'), '17%');
    assert.notEqual(await kpi('Median time to accept'), '—');
    assert.notEqual(await kpi('Median first response'), '—');
    const chart = page.getByRole('img', { name: 'Chat requests per day: accepted and missed' });
    await chart.waitFor();
    const bar = chart.locator(`g.bar[data-date="${today}"]`);
    assert.equal(await bar.locator('rect.bar-seg').count(), 6, 'accepted + five missed reasons stacked');
    assert.equal(await bar.locator('rect.seg-accepted').getAttribute('data-count'), '1');
    assert.match(await bar.locator('title').textContent(), /1 accepted, 5 missed/);
    await page.getByRole('list', { name: 'Legend' }).getByText('Missed: outside business hours').waitFor();
    const agents = page.getByRole('table', { name: 'Agents' });
    const row = agents.getByRole('row', { name: /Alice Martin/ });
    assert.deepEqual((await row.getByRole('cell').allInnerTexts()).slice(0, 6), ['Alice Martin', '3', '1', '1', '1', '0']);
    const reasons = page.getByRole('table', { name: 'Missed chats by reason' });
    assert.equal(await reasons.getByRole('row').count(), 6);
    await reasons.getByRole('row', { name: /Declined by everyone 1 17%/ }).waitFor();
    // The month view asks again and keeps the same totals.
    await page.getByRole('button', { name: 'Last 30 days' }).click();
    await page.getByRole('button', { name: 'Last 30 days', pressed: true }).waitFor();
    await until(async () => (await chart.locator('g.bar').count()) === 30, { what: '30 bars' });
    assert.equal(await kpi('Chat requests'), '6');
    await shot(page, 'docs/screenshots/overview.png');
  } finally {
    await ctx.close();
  }
});

test('erasing a conversation takes it out of the report', async () => {
  const { id: ws, admin } = await freshWorkspace('report-erase', {
    agents: [ALICE],
    settings: { accept_timeout_ms: 60_000, inactivity_timeout_ms: 120_000 },
  });
  const path = (rest) => `/api/workspaces/${ws}/${rest}`;
  const inbox = await openInbox(ws, await signIn(ws, ALICE));
  const one = await visitorAsks(ws, 'Una');
  await declineOffer(inbox, one);
  const two = await visitorAsks(ws, 'Duo');
  await declineOffer(inbox, two);
  const before = await admin.ok('GET', path('report?days=2'));
  assert.equal(before.totals.missed.declined, 2);
  await admin.ok('POST', path('erasures'), { conversation: one.conversation });
  const afterErase = await admin.ok('GET', path('report?days=2'));
  assert.equal(afterErase.totals.conversations, 1);
  assert.equal(afterErase.totals.missed.declined, 1);
  assert.equal(afterErase.agents[0].offers, 1);
});
