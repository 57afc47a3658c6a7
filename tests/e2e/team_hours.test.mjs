// Teams' own business hours, set in the admin's Agents & teams view: while the team is closed its
// members are offered no chat (the visitor gets the fallback at once); a line the admin mistyped
// and a time zone the server does not know are refused in words.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, launchBrowser, freshWorkspace, DEMO_AGENTS, signIn, openInbox, startVisitor, openVisitor,
  askForLiveChat, waitEntry, closeAllSockets, widgetPage,
} from './lib.mjs';
import { VIEWPORT, signInAdmin } from './inbox-lib.mjs';

const [ALICE] = DEMO_AGENTS;
let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });
afterEach(closeAllSockets);

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

test('a team closed by its own hours takes no chats; reopened, its members are offered them again', async () => {
  // Alice and Bob are both in "sales" only; Bob stays offline, so Alice is the only candidate.
  const { id: ws, admin } = await freshWorkspace('team-hours', { settings: { accept_timeout_ms: 60_000 } });
  const inbox = await openInbox(ws, await signIn(ws, ALICE));
  const ctx = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await signInAdmin(ctx, ws, { key: admin.token });
    await page.getByRole('tab', { name: 'Agents & teams' }).click();
    await page.getByText('Edit Sales').click();
    const form = page.locator('form[data-form=team][data-id=sales]');
    await form.getByLabel('This team has its own hours').check();

    // A line that is not a range is refused before anything is sent, naming the day…
    await form.getByLabel('Monday', { exact: true }).fill('nine');
    await form.getByRole('button', { name: 'Save team' }).click();
    await page.getByText('Monday: "nine" is not a range').first().waitFor();
    // …and times the server cannot read, or a time zone it does not know, in its own words.
    await form.getByLabel('Monday', { exact: true }).fill('nine to five');
    await form.getByRole('button', { name: 'Save team' }).click();
    await page.getByText(/Monday: "nine" is not a time/).first().waitFor();
    await form.getByLabel('Monday', { exact: true }).fill('09:00-18:00');
    await form.getByLabel(/Time zone/).fill('Mars/Olympus_Mons');
    await form.getByRole('button', { name: 'Save team' }).click();
    await page.getByText(/unknown time zone "Mars\/Olympus_Mons"/).first().waitFor();

    // Closed every day of the week.
    await form.getByLabel(/Time zone/).fill('Europe/Paris');
    for (const d of DAYS) await form.getByLabel(d, { exact: true }).fill('');
    await form.getByRole('button', { name: 'Save team' }).click();
    await page.getByText('Team saved.').waitFor();
  } finally {
    await ctx.close();
  }
  const [sales] = (await admin.ok('GET', `/api/workspaces/${ws}/teams`)).filter((t) => t.id === 'sales');
  assert.equal(sales.business_hours.time_zone, 'Europe/Paris');
  assert.deepEqual(Object.values(sales.business_hours.weekly).flat(), [], 'closed every day');

  // The workspace itself is open, but nobody who could take the chat is.
  const avail = await (await fetch(`${BASE}/api/visitor/availability?workspace=${ws}`)).json();
  assert.deepEqual({ open: avail.open, can_chat: avail.can_chat }, { open: true, can_chat: false });
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  await askForLiveChat(visitor);
  const fallback = await waitEntry(visitor, 'fallback', () => true, 5_000);
  assert.equal(fallback.kind, 'live_chat');
  assert.equal(inbox.frames.filter((m) => m.type === 'offered').length, 0, 'Alice was not offered the chat');
  const audit = (await admin.ok('GET', `/api/workspaces/${ws}/audit`)).filter((r) => JSON.stringify(r).includes(v.conversation));
  const skipped = JSON.stringify(audit);
  assert.match(skipped, /outside_hours/, `the audit says why Alice was passed over: ${skipped}`);

  // The team's own hours removed: Alice is offered the next chat.
  await admin.ok('PUT', `/api/workspaces/${ws}/teams/sales`, { name: 'Sales', business_hours: null });
  const v2 = await startVisitor(ws);
  const visitor2 = await openVisitor(v2.token);
  await askForLiveChat(visitor2);
  await inbox.waitFor((m) => m.type === 'offered' && m.offer.conversation === v2.conversation, 10_000, 'offer once the team is open');
});

test('the widget header says whether someone can reply now, from the public availability read', async () => {
  const week = (ranges) => Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, ranges]));
  const { id: ws, admin } = await freshWorkspace('reply-time', {
    settings: { business_hours: { time_zone: 'Europe/Paris', weekly: week([]), exceptions: [] } },
  });
  await openInbox(ws, await signIn(ws, ALICE));
  const look = async (text) => {
    // A new context each time: the availability read may be cached for 15 s.
    const ctx = await browser.newContext({ viewport: VIEWPORT });
    try {
      const page = await widgetPage(ctx, ws);
      await page.goto(`${BASE}/e2e/page.html`);
      await page.getByText(text).waitFor({ timeout: 15_000 });
    } finally {
      await ctx.close();
    }
  };
  await look("We're away — leave a message");
  const settings = await admin.ok('GET', `/api/workspaces/${ws}/settings`);
  await admin.ok('PUT', `/api/workspaces/${ws}/settings`, { ...settings, business_hours: null });
  await look('Typically replies in a few minutes');
});
