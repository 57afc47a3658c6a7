// Transfers against the real stack: an agent hands a live chat to a colleague or a team. The
// colleague gets an Accept banner naming who transfers, and on acceptance the whole transcript;
// the visitor sees the new agent join. A transfer nobody takes leaves the chat where it was.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import {
  freshWorkspace, DEMO_AGENTS, signIn, openInbox, openAgentChat, startVisitor, openVisitor,
  askForLiveChat, entriesOf, waitEntry, closeAllSockets, launchBrowser, shot, until,
} from './lib.mjs';
import { signInInbox } from './inbox-lib.mjs';

afterEach(closeAllSockets);

const [ALICE, BOB] = DEMO_AGENTS;

/** Alice (the only agent online) holds a live chat with a visitor; then Bob's inbox opens. */
async function aliceHoldsAChat(prefix) {
  const { id: ws, admin } = await freshWorkspace(prefix);
  const aliceToken = await signIn(ws, ALICE);
  const alice = await openInbox(ws, aliceToken);
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  await askForLiveChat(visitor, { first_name: 'Nia', email: 'nia@example.com' });
  const { offer } = await alice.waitFor((m) => m.type === 'offered' && m.offer.conversation === v.conversation, 10_000, 'offered to alice');
  alice.send({ type: 'accept', offer: offer.offer });
  await waitEntry(visitor, 'agent_joined', (e) => e.agent.name === ALICE.name);
  await alice.waitFor((m) => m.type === 'chat_started', 10_000, 'chat started');
  const aliceChat = await openAgentChat(ws, v.conversation, aliceToken);
  const bobToken = await signIn(ws, BOB);
  const bob = await openInbox(ws, bobToken);
  return { ws, admin, v, visitor, alice, aliceChat, aliceToken, bob, bobToken };
}

test('a transfer accepted: the colleague gets the chat with its transcript, the visitor sees them join', async () => {
  const { ws, admin, v, visitor, alice, aliceChat, bob, bobToken } = await aliceHoldsAChat('transfer-yes');
  // A webhook endpoint on this machine hears `chat.transferred` (docs/webhooks.md).
  const received = [];
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => { received.push(JSON.parse(body)); res.writeHead(204).end(); });
  });
  await new Promise((r) => hook.listen(0, '127.0.0.1', r));
  await admin.ok('POST', `/api/workspaces/${ws}/webhooks`, { url: `http://127.0.0.1:${hook.address().port}/hook`, events: ['chat.transferred'] });
  aliceChat.send({ type: 'say', client_id: 'a-1', text: 'Let me get you a specialist.' });
  await waitEntry(visitor, 'message', (e) => e.client_id === 'a-1');
  aliceChat.send({ type: 'note', client_id: 'n-1', text: 'Wants 40 seats, EU invoice' });
  await aliceChat.waitFor((m) => m.type === 'ack' && m.client_id === 'n-1', 5000, 'note ack');

  // Who could take it: Bob, available; the sales team, Bob in it.
  alice.send({ type: 'colleagues' });
  const list = await alice.waitFor((m) => m.type === 'colleagues', 5000, 'colleagues');
  assert.deepEqual(list.agents.map((a) => [a.agent, a.name, a.unavailable ?? null]), [[BOB.id, BOB.name, null]]);
  assert.deepEqual(list.teams, [{ team: 'sales', available: 1 }]);

  // Refused at once, with words: to oneself, to nobody.
  alice.send({ type: 'transfer', conversation: v.conversation, to: { to: 'agent', agent: ALICE.id } });
  const self = await alice.waitFor((m) => m.type === 'error' && m.code === 'transfer_refused', 5000, 'refused');
  assert.match(self.message, /already yours/);
  alice.send({ type: 'transfer', conversation: v.conversation, to: { to: 'team', team: 'nobody' } });
  await alice.waitFor((m) => m.type === 'error' && m.code === 'transfer_refused' && m !== self, 5000, 'refused team');

  alice.send({ type: 'transfer', conversation: v.conversation, to: { to: 'team', team: 'sales' } });
  const started = await alice.waitFor((m) => m.type === 'transfer_started', 5000, 'transfer started');
  assert.equal(started.to, BOB.name);
  const { offer } = await bob.waitFor((m) => m.type === 'offered', 10_000, 'offered to bob');
  assert.equal(offer.transfer_from, ALICE.name);
  assert.equal(offer.conversation, v.conversation);
  assert.equal(offer.visitor.first_name, 'Nia', 'the banner knows the visitor');
  // Until Bob accepts the chat is Alice's: her messages still reach the visitor.
  aliceChat.send({ type: 'say', client_id: 'a-2', text: 'One moment.' });
  await waitEntry(visitor, 'message', (e) => e.client_id === 'a-2');

  bob.send({ type: 'accept', offer: offer.offer });
  const joined = await waitEntry(visitor, 'agent_joined', (e) => e.agent.name === BOB.name);
  const event = await until(() => received.find((e) => e.type === 'chat.transferred'), { timeout: 15_000, what: 'chat.transferred' });
  assert.equal(event.data.conversation_id, v.conversation);
  assert.deepEqual([event.data.from, event.data.to], [{ id: ALICE.id, name: ALICE.name }, { id: BOB.id, name: BOB.name }]);
  hook.close();
  assert.ok(joined.agent.avatar_url?.endsWith('/img/bob.svg'), 'Bob\'s snapshot');
  const closed = await alice.waitFor((m) => m.type === 'chat_closed' && m.conversation === v.conversation, 10_000, 'alice chat closed');
  assert.equal(closed.reason, 'transferred');
  await bob.waitFor((m) => m.type === 'chat_started' && m.chat.conversation === v.conversation, 10_000, 'bob chat started');
  await until(() => aliceChat.closed, { what: 'alice chat socket closed' });
  assert.equal(aliceChat.closed.code, 4001, 'the chat is no longer Alice\'s');

  // Bob reads the whole conversation, the note included, and takes over.
  const bobChat = await openAgentChat(ws, v.conversation, bobToken);
  await waitEntry(bobChat, 'agent_joined', (e) => e.agent.name === BOB.name);
  assert.ok(entriesOf(bobChat, 'message').some((e) => e.client_id === 'a-1'));
  assert.equal(entriesOf(bobChat, 'note')[0]?.text, 'Wants 40 seats, EU invoice');
  bobChat.send({ type: 'say', client_id: 'b-1', text: 'Hi Nia, Bob here.' });
  await waitEntry(visitor, 'message', (e) => e.client_id === 'b-1');
  assert.ok(!visitor.frames.some((m) => JSON.stringify(m).includes('40 seats')), 'the note never reached the visitor');

  // The audit says what happened; the conversation row names Bob.
  const entries = (await admin.ok('GET', `/api/workspaces/${ws}/audit`)).filter((r) => JSON.stringify(r).includes(v.conversation));
  assert.ok(entries.some((e) => e.entry.trigger?.trigger === 'transfer'), JSON.stringify(entries));
  assert.ok(entries.some((e) => e.entry.outcome?.outcome === 'transferred' && e.entry.outcome.to === BOB.id));
});

test('a transfer nobody takes: declined, the chat stays with its agent and the visitor sees nothing', async () => {
  const { v, visitor, alice, aliceChat, bob } = await aliceHoldsAChat('transfer-no');
  const joinedBefore = entriesOf(visitor, 'agent_joined').length;
  alice.send({ type: 'transfer', conversation: v.conversation, to: { to: 'agent', agent: BOB.id } });
  await alice.waitFor((m) => m.type === 'transfer_started', 5000, 'transfer started');
  const { offer } = await bob.waitFor((m) => m.type === 'offered', 10_000, 'offered to bob');
  bob.send({ type: 'decline', offer: offer.offer });
  const ended = await alice.waitFor((m) => m.type === 'transfer_ended', 10_000, 'transfer ended');
  assert.equal(ended.reason, 'declined');
  assert.equal(ended.conversation, v.conversation);
  aliceChat.send({ type: 'say', client_id: 'a-9', text: 'Still here!' });
  await waitEntry(visitor, 'message', (e) => e.client_id === 'a-9');
  assert.equal(entriesOf(visitor, 'agent_joined').length, joinedBefore);
  assert.equal(entriesOf(visitor, 'agent_left').length, 0);
  assert.ok(!alice.frames.some((m) => m.type === 'chat_closed'), 'Alice keeps the chat');

  // Bob away: refused at once, with the reason.
  bob.send({ type: 'set_presence', presence: 'away' });
  await bob.waitFor((m) => m.type === 'welcome' && m.presence === 'away', 5000, 'bob away');
  alice.send({ type: 'transfer', conversation: v.conversation, to: { to: 'agent', agent: BOB.id } });
  const refused = await alice.waitFor((m) => m.type === 'error' && m.code === 'transfer_refused', 5000, 'refused');
  assert.match(refused.message, /away/);
});

test('in the inbox: Transfer, pick a colleague with a note, the colleague accepts from the banner', async () => {
  const { id: ws } = await freshWorkspace('transfer-ui');
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext();
    const alicePage = await signInInbox(context, ws, ALICE);
    const v = await startVisitor(ws);
    const visitor = await openVisitor(v.token);
    await askForLiveChat(visitor, { first_name: 'Nia', email: 'nia@example.com' });
    await alicePage.getByRole('button', { name: 'Accept' }).click();
    await waitEntry(visitor, 'agent_joined', (e) => e.agent.name === ALICE.name);
    const bobPage = await signInInbox(await browser.newContext(), ws, BOB);

    await alicePage.getByRole('button', { name: 'Transfer' }).click();
    const dialog = alicePage.getByRole('dialog', { name: 'Transfer this chat' });
    await dialog.getByRole('button', { name: BOB.name }).waitFor();
    await dialog.getByLabel(/Note for your colleague/).fill('Asked about the EU invoice');
    await shot(alicePage, 'docs/screenshots/inbox-transfer.png');
    await dialog.getByRole('button', { name: BOB.name }).click();
    await alicePage.getByText(`Offered to ${BOB.name}`).waitFor({ timeout: 10_000 });

    const banner = bobPage.getByRole('alertdialog', { name: `${ALICE.name} transfers a live chat to you` });
    await banner.waitFor({ timeout: 10_000 });
    await banner.getByRole('button', { name: 'Accept' }).click();
    await waitEntry(visitor, 'agent_joined', (e) => e.agent.name === BOB.name);
    await bobPage.getByText('Asked about the EU invoice').waitFor({ timeout: 10_000 });
    await alicePage.getByText('You transferred this chat to a colleague.').first().waitFor({ timeout: 10_000 });
    assert.ok(!visitor.frames.some((m) => JSON.stringify(m).includes('EU invoice')), 'the note stays with the team');
  } finally {
    await browser.close();
  }
});
