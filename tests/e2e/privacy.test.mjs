// A visitor's right to be forgotten, end to end: an admin erases a visitor by email from the
// admin Privacy tab (real Chromium) while one of their chats is live; their conversations,
// index rows, failed-action emails and routing audit rows are gone from every API and view,
// their sockets are refused, another visitor's data stays. Then the retention period: set in
// Settings, and ended conversations purged by the workspace alarm (with the test-only knob
// `test_retention_ms`, documented in docs/security.md, so it takes seconds rather than days).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, launchBrowser, freshWorkspace, DEMO_AGENTS, signIn, openInbox, startVisitor, openVisitor,
  openAgentChat, askForLiveChat, waitEntry, until, closeAllSockets, refusedUpgrade, wsUrl, Api,
} from './lib.mjs';
import { VIEWPORT, signInAdmin } from './inbox-lib.mjs';

const [ALICE, BOB] = DEMO_AGENTS;
const offeredFor = (conv) => (m) => m.type === 'offered' && m.offer.conversation === conv;
const ANN = 'ann.erase@example.com';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });
afterEach(closeAllSockets);

/** A visitor who gives their details and asks for a live chat; the inbox gets the offer. */
async function visitorAsking(ws, inbox, email, first) {
  const v = await startVisitor(ws);
  const socket = await openVisitor(v.token);
  await askForLiveChat(socket, { first_name: first, email });
  const { offer } = await inbox.waitFor(offeredFor(v.conversation), 10_000, `offer for ${first}`);
  return { ...v, socket, offer };
}

/** Declines an offer; with nobody else online the visitor falls back and the lead is emailed. */
async function declinedLead(ws, inbox, admin, email, first) {
  const v = await visitorAsking(ws, inbox, email, first);
  inbox.send({ type: 'decline', offer: v.offer.offer });
  await waitEntry(v.socket, 'fallback');
  await until(async () => (await admin.ok('GET', `/api/workspaces/${ws}/outbox`))
    .some((r) => r.entry.action?.conversation === v.conversation), { what: `outbox row of ${first}` });
  return v;
}

test('erasing a visitor by email removes every trace from the APIs, the sockets and the admin view', async () => {
  const t0 = Date.now();
  const { id: ws, admin } = await freshWorkspace('privacy', {
    agents: [ALICE, BOB],
    settings: { notification_emails: ['leads@shop.test'], extra_team_attempts: 0 },
  });
  const path = (rest) => `/api/workspaces/${ws}/${rest}`;
  const aliceToken = await signIn(ws, ALICE);
  const inbox = await openInbox(ws, aliceToken);

  // Ann twice (an email typed in another case the second time), and Grace, who must stay.
  const annLead = await declinedLead(ws, inbox, admin, 'ANN.Erase@Example.COM', 'Ann');
  const grace = await declinedLead(ws, inbox, admin, 'grace@hopper.test', 'Grace');
  const annChat = await visitorAsking(ws, inbox, ANN, 'Ann');
  inbox.send({ type: 'accept', offer: annChat.offer.offer });
  await waitEntry(annChat.socket, 'agent_joined');
  const agentChat = await openAgentChat(ws, annChat.conversation, aliceToken);
  annChat.socket.send({ type: 'say', client_id: 'ann-1', text: 'My order number is 4417, call me.' });
  await waitEntry(agentChat, 'message', (e) => e.text.includes('4417'));
  const annIds = [annLead.conversation, annChat.conversation];

  // Before: the admin API knows Ann.
  const listed = await admin.ok('GET', path('conversations'));
  for (const id of annIds) assert.ok(listed.some((r) => r.id === id), 'listed before');
  const before = await admin.ok('GET', path(`conversations/${annChat.conversation}`));
  assert.ok(JSON.stringify(before.transcript).includes('4417'));
  const auditBefore = await admin.ok('GET', path('audit'));
  assert.ok(auditBefore.some((r) => r.entry.conversation === annLead.conversation), 'routing audited');

  // The admin erases Ann from the Privacy tab, with a confirmation step.
  const ctx = await browser.newContext({ viewport: VIEWPORT });
  // A second admin (Alice) keeps Conversations open: the rows must leave it live.
  const watchCtx = await browser.newContext({ viewport: VIEWPORT });
  try {
    const watcher = await signInAdmin(watchCtx, ws, { agent: ALICE });
    const watchedRows = watcher.locator('tbody tr.row-click', { hasText: /ann\.erase@example\.com/i });
    await watchedRows.first().waitFor({ timeout: 10_000 });
    await watcher.getByText('Live updates on').waitFor({ timeout: 10_000 });
    const page = await signInAdmin(ctx, ws, { key: admin.token });
    const annRows = page.locator('tbody tr.row-click', { hasText: /ann\.erase@example\.com/i });
    await annRows.first().waitFor({ timeout: 10_000 });
    assert.equal(await annRows.count(), 2, 'both of Ann’s conversations are listed first');
    await page.getByRole('tab', { name: 'Privacy' }).click();
    await page.getByLabel('Find the visitor by').selectOption('email');
    await page.getByLabel('Email address or conversation id').fill(ANN.toUpperCase());
    await page.getByRole('button', { name: 'Erase…' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Confirm the erasure' });
    await confirm.getByText(/cannot be undone/).waitFor();
    // Asking erased nothing yet.
    assert.equal((await admin.ok('GET', path('conversations'))).filter((r) => annIds.includes(r.id)).length, 2);
    await confirm.getByRole('button', { name: 'Yes, erase for good' }).click();
    await page.getByText(`Erased 2 conversations of ${ANN.toUpperCase()}.`).waitFor({ timeout: 15_000 });

    // The visitor's live socket closed for good; the agent heard the chat is gone.
    await until(() => annChat.socket.closed, { what: 'visitor socket closed' });
    assert.equal(annChat.socket.closed.code, 4002);
    const gone = await inbox.waitFor((m) => m.type === 'chat_closed' && m.conversation === annChat.conversation);
    assert.equal(gone.reason, 'erased');
    await until(() => agentChat.closed, { what: 'agent chat socket closed' });

    // The other admin's open view drops Ann's rows without a reload; Grace stays.
    await until(async () => (await watchedRows.count()) === 0, { what: 'rows gone from the open view' });
    await watcher.locator('tbody tr.row-click', { hasText: 'grace@hopper.test' }).waitFor();
    // The Conversations view no longer lists Ann; Grace stays.
    await page.getByRole('tab', { name: 'Conversations' }).click();
    await page.locator('tbody tr.row-click', { hasText: 'grace@hopper.test' }).waitFor({ timeout: 10_000 });
    assert.equal(await annRows.count(), 0, 'Ann is gone from the admin view');
  } finally {
    await ctx.close();
    await watchCtx.close();
  }

  // Every API: list, detail, outbox, audit.
  const after = await admin.ok('GET', path('conversations'));
  assert.ok(!after.some((r) => annIds.includes(r.id)), 'not listed');
  assert.ok(after.some((r) => r.id === grace.conversation), 'Grace is still listed');
  for (const id of annIds) {
    const r = await admin.call('GET', path(`conversations/${id}`));
    assert.equal(r.status, 404, `detail of ${id}`);
  }
  const outbox = await admin.ok('GET', path('outbox'));
  assert.ok(!JSON.stringify(outbox).toLowerCase().includes(ANN), 'no email of Ann in the outbox');
  assert.ok(!outbox.some((r) => annIds.includes(r.entry.action?.conversation)), 'no outbox row of Ann');
  assert.ok(outbox.some((r) => r.entry.action?.conversation === grace.conversation), 'Grace’s email stays');
  const audit = await admin.ok('GET', path('audit'));
  assert.ok(!audit.some((r) => annIds.includes(r.entry.conversation)), 'no routing audit row of Ann');
  assert.ok(audit.some((r) => r.entry.conversation === grace.conversation), 'Grace’s routing audit stays');
  const erasure = audit.find((r) => r.entry.erasure);
  assert.ok(erasure, 'an erasure audit row');
  assert.equal(erasure.entry.erasure, 'erased 2 conversations (by email)');
  assert.equal(erasure.entry.by, 'admin_key');
  assert.equal(erasure.entry.erased.conversations, 2);
  // Ann's first conversation: the failed action and the new-lead email (the chat added none).
  assert.equal(erasure.entry.erased.outbox_rows, 2);
  assert.equal(erasure.entry.erased.leads, 1, 'her lead (both spellings are one)');
  const leads = (await admin.ok('GET', path('leads'))).leads;
  assert.ok(!JSON.stringify(leads).toLowerCase().includes(ANN), 'no lead of Ann');
  assert.ok(leads.some((l) => l.key === 'grace@hopper.test'), 'Grace’s lead stays');
  assert.ok(erasure.entry.erased.transcript_entries > 5);
  const text = JSON.stringify(erasure).toLowerCase();
  assert.ok(!text.includes('ann.erase') && !annIds.some((id) => text.includes(id)), 'the audit row names nobody');

  // The visitor cannot come back: the socket upgrade is refused with a clear error.
  const refused = await refusedUpgrade(wsUrl(`/api/visitor/ws?token=${encodeURIComponent(annChat.token)}`));
  assert.equal(refused.status, 410);
  assert.equal(refused.body.error, 'conversation_erased');
  assert.match(refused.body.message, /erased/);
  const agentRefused = await refusedUpgrade(wsUrl(`/api/workspaces/${ws}/conversations/${annChat.conversation}/ws?token=${encodeURIComponent(aliceToken)}`));
  assert.equal(agentRefused.status, 410);
  // Alice's slot was freed: a fresh inbox holds no chat.
  const fresh = await openInbox(ws, aliceToken);
  assert.deepEqual(fresh.frames.find((m) => m.type === 'welcome').chats, []);

  // Erasing again is fine: 200 with zero counts.
  // So is erasing a conversation id that never existed (nothing of it is stored anywhere).
  for (const body of [{ email: ANN }, { conversation: annChat.conversation }, { conversation: '0' }, { conversation: 'ab'.repeat(16) }]) {
    const again = await admin.ok('POST', path('erasures'), body);
    assert.equal(again.erased.conversations, 0);
    assert.equal(again.erased.index_rows, 0);
    assert.equal(again.more, false);
  }
  // By conversation id: Grace's one conversation.
  const byId = await admin.ok('POST', path('erasures'), { conversation: grace.conversation });
  assert.equal(byId.erased.conversations, 1);
  assert.equal(byId.erased.outbox_rows, 2, 'the failed action and the new-lead email');
  assert.equal(byId.erased.leads, 1, 'a lead only that conversation named goes with it');
  assert.equal((await admin.ok('GET', path('leads'))).leads.length, 0);
  assert.ok(!(await admin.ok('GET', path('conversations'))).some((r) => r.id === grace.conversation));

  // Bad requests get a status and a sentence; agents without the admin role are refused.
  for (const bad of [{}, { email: 'not-an-email' }, { conversation: '../x' }, { email: ANN, conversation: annChat.conversation }, { mail: ANN }]) {
    const r = await admin.call('POST', path('erasures'), bad);
    assert.equal(r.status, 400, JSON.stringify(bad));
    assert.equal(r.body.error, 'bad_request');
  }
  const bob = new Api(BASE, await signIn(ws, BOB));
  assert.equal((await bob.call('POST', path('erasures'), { email: ANN })).status, 403);
  assert.equal((await new Api(BASE).call('POST', path('erasures'), { email: ANN })).status, 401);
  console.log(`  erase flow checked in ${Date.now() - t0} ms`);
});

test('retention: set in Settings, and ended conversations are purged by the alarm', async () => {
  const { id: ws, admin } = await freshWorkspace('retention', { agents: [ALICE] });
  const path = (rest) => `/api/workspaces/${ws}/${rest}`;

  // Keep-forever is the default; bounds are checked with a sentence.
  assert.equal((await admin.ok('GET', path('settings'))).retention_days, null);
  const settings = await admin.ok('GET', path('settings'));
  for (const days of [0, 3651]) {
    const r = await admin.call('PUT', path('settings'), { ...settings, retention_days: days });
    assert.equal(r.status, 422);
    assert.match(r.body.message, /retention_days must be between 1 and 3650 days/);
  }

  // Settings round trip in the admin page.
  const ctx = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await signInAdmin(ctx, ws, { key: admin.token });
    await page.getByRole('tab', { name: 'Settings' }).click();
    const field = page.getByLabel('Delete ended conversations after (days; empty keeps them forever)');
    assert.equal(await field.inputValue(), '');
    await field.fill('30');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').waitFor();
    assert.equal((await admin.ok('GET', path('settings'))).retention_days, 30);
    await page.getByRole('tab', { name: 'Privacy' }).click();
    await page.getByText('Ended conversations are deleted 30 days after their last change.').waitFor();
  } finally {
    await ctx.close();
  }

  // The test-only knob: a retention of 1.5 s. One conversation ends, one stays open.
  const current = await admin.ok('GET', path('settings'));
  await admin.ok('PUT', path('settings'), { ...current, test_retention_ms: 1500 });
  const ended = await startVisitor(ws);
  const endedSocket = await openVisitor(ended.token);
  endedSocket.send({ type: 'answer', card: 'intent', button: 'pricing' });
  await waitEntry(endedSocket, 'card', (e) => e.card.id === 'connect');
  endedSocket.send({ type: 'end' });
  await waitEntry(endedSocket, 'ended');
  const t0 = Date.now();
  const open = await startVisitor(ws);
  const openSocket = await openVisitor(open.token);
  await until(async () => !(await admin.ok('GET', path('conversations'))).some((r) => r.id === ended.conversation),
    { timeout: 15_000, every: 100, what: 'the ended conversation purged' });
  const waited = Date.now() - t0;
  console.log(`  ended conversation purged ${waited} ms after it ended (retention 1500 ms)`);
  assert.ok(waited > 1_000, `not purged before its retention ran out (${waited} ms)`);
  assert.equal((await admin.call('GET', path(`conversations/${ended.conversation}`))).status, 404);
  const refused = await refusedUpgrade(wsUrl(`/api/visitor/ws?token=${encodeURIComponent(ended.token)}`));
  assert.equal(refused.status, 410);
  // The open conversation is not purged, however old.
  await new Promise((r) => setTimeout(r, 2000));
  const list = await admin.ok('GET', path('conversations'));
  assert.ok(list.some((r) => r.id === open.conversation), 'an open conversation stays');
  assert.equal(openSocket.closed, null);
  const audit = await admin.ok('GET', path('audit'));
  const purge = audit.find((r) => r.entry.reason === 'retention');
  assert.ok(purge, 'the purge left an audit row');
  assert.equal(purge.entry.by, 'retention');
  assert.equal(purge.entry.erased.conversations, 1);
  // Back to keeping forever.
  await admin.ok('PUT', path('settings'), { ...current, test_retention_ms: null, retention_days: null });
  assert.equal((await admin.ok('GET', path('settings'))).retention_days, null);
});
