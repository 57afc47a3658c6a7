// The moments a lead is won or lost, over the API against the real stack: a decline moves on,
// a visitor who leaves is noticed (and emailed while waiting), an agent who leaves hands the
// chat back to routing, a closed inbox gets no new offers.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  freshWorkspace, DEMO_AGENTS, signIn, openInbox, openAgentChat, startVisitor, openVisitor,
  askForLiveChat, waitEntry, until, closeAllSockets,
} from './lib.mjs';

afterEach(closeAllSockets);

const [ALICE, BOB] = DEMO_AGENTS;
const offeredFor = (conv) => (m) => m.type === 'offered' && m.offer.conversation === conv;

async function inboxes(ws) {
  return {
    alice: await openInbox(ws, await signIn(ws, ALICE)),
    bob: await openInbox(ws, await signIn(ws, BOB)),
  };
}

/** A visitor waiting for an agent, and the inbox that was offered the chat. */
async function waitingVisitor(ws, boxes, values) {
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  await askForLiveChat(visitor, values);
  const [who, m] = await Promise.any(Object.entries(boxes).map(([k, s]) => s.waitFor(offeredFor(v.conversation), 10_000, 'offer').then((f) => [k, f])));
  return { v, visitor, who, offer: m.offer };
}

test('a decline moves the chat to the other agent within 2 s', async () => {
  const { id: ws } = await freshWorkspace('lc-decline', { settings: { accept_timeout_ms: 60_000 } });
  const boxes = await inboxes(ws);
  const { v, who, offer } = await waitingVisitor(ws, boxes);
  const other = who === 'alice' ? 'bob' : 'alice';
  const t0 = Date.now();
  boxes[who].send({ type: 'decline', offer: offer.offer });
  await boxes[other].waitFor(offeredFor(v.conversation), 2_000, 'offer to the other agent');
  console.log(`  decline → ${other} offered in ${Date.now() - t0} ms`);
});

test('a closed inbox gets no new offers: the next visitor goes to the agent still online', async () => {
  const { id: ws } = await freshWorkspace('lc-closed', { settings: { accept_timeout_ms: 60_000 } });
  const boxes = await inboxes(ws);
  boxes.alice.close();
  await until(async () => boxes.alice.closed, { what: 'alice closed' });
  for (let i = 0; i < 3; i++) {
    const v = await startVisitor(ws);
    const visitor = await openVisitor(v.token);
    await askForLiveChat(visitor);
    await boxes.bob.waitFor(offeredFor(v.conversation), 5_000, `offer ${i} to bob`);
  }
});

test('a visitor who leaves while waiting leaves the line, the lead is emailed once, and back they can still leave a message', async () => {
  const { id: ws, admin } = await freshWorkspace('lc-leave-wait', {
    settings: { accept_timeout_ms: 60_000, visitor_gone_waiting_ms: 10_000, notification_emails: ['leads@acme.test'] },
  });
  const boxes = await inboxes(ws);
  const { v, visitor, who, offer } = await waitingVisitor(ws, boxes, { first_name: 'Lin', email: 'lin@example.com' });
  const t0 = Date.now();
  visitor.close();
  const withdrawn = await boxes[who].waitFor((m) => m.type === 'offer_withdrawn' && m.offer === offer.offer, 20_000, 'withdrawn');
  console.log(`  offer withdrawn ${Date.now() - t0} ms after the visitor left (grace 10 s)`);
  assert.equal(withdrawn.reason, 'cancelled');
  const rows = await until(async () => {
    const all = await admin.ok('GET', `/api/workspaces/${ws}/outbox`);
    const mine = all.filter((r) => r.entry.action?.conversation === v.conversation);
    return mine.length ? mine : null;
  }, { what: 'outbox row' });
  assert.equal(rows.length, 1);
  assert.equal(rows[0].entry.action.visitor.email, 'lin@example.com');

  // Back (a suspended tab woke up): not "you ended the chat" but the fallback message, and the
  // offline form works.
  const back = await openVisitor(v.token);
  const fallback = await waitEntry(back, 'fallback');
  assert.equal(fallback.visitor_away, true);
  assert.equal(fallback.kind, 'live_chat');
  assert.ok(fallback.text.length > 0, 'the live chat fallback message');
  assert.equal(back.frames.filter((m) => m.type === 'entry' && m.entry.event === 'ended').length, 0);
  back.send({ type: 'leave_message', client_id: 'm1', text: 'Sorry, my train went into a tunnel' });
  await back.waitFor((m) => m.type === 'ack' && m.client_id === 'm1', 5_000, 'ack');
  const [lead] = await until(async () => {
    const { leads } = await admin.ok('GET', `/api/workspaces/${ws}/leads`);
    return leads.length && leads[0].outcome.kind === 'left_message' && leads;
  }, { what: 'lead with the message' });
  assert.equal(lead.email, 'lin@example.com');
  assert.equal(lead.message, 'Sorry, my train went into a tunnel');
  // Withdrawn, not missed: the agents are not blamed for a visitor who was gone.
  assert.equal(lead.outcome.reason, undefined);
});

test('the agent sees the visitor leave and come back; gone too long, the chat ends and frees the slot', async () => {
  const { id: ws } = await freshWorkspace('lc-leave-chat', {
    settings: { accept_timeout_ms: 60_000, visitor_gone_chat_ms: 10_000, capacity: 1 },
    agents: [ALICE],
  });
  const token = await signIn(ws, ALICE);
  const inbox = await openInbox(ws, token);
  const { v, visitor, offer } = await waitingVisitor(ws, { alice: inbox });
  inbox.send({ type: 'accept', offer: offer.offer });
  await inbox.waitFor((m) => m.type === 'chat_started' && m.chat.conversation === v.conversation, 5_000, 'chat_started');
  const chat = await openAgentChat(ws, v.conversation, token);
  // A reload: back within a second, nothing shown to the agent.
  visitor.close();
  const again = await openVisitor(v.token);
  await new Promise((r) => setTimeout(r, 6_500));
  assert.equal(chat.frames.filter((m) => m.type === 'presence').length, 0, 'no flicker on a reload');
  // Gone for real: announced after 5 s, then the chat ends at the grace.
  const t0 = Date.now();
  again.close();
  const gone = await chat.waitFor((m) => m.type === 'presence' && m.here === false, 10_000, 'presence gone');
  console.log(`  agent told the visitor left ${Date.now() - t0} ms after the tab closed`);
  assert.equal(gone.side, 'visitor');
  const closed = await inbox.waitFor((m) => m.type === 'chat_closed' && m.conversation === v.conversation, 20_000, 'chat_closed');
  console.log(`  chat ended ${Date.now() - t0} ms after the visitor left (grace 10 s)`);
  assert.equal(closed.reason, 'ended_by_visitor');
  // The transcript says the chat ended while the visitor was away, not that they ended it.
  const ended = await waitEntry(chat, 'ended');
  assert.deepEqual([ended.by, ended.visitor_away], ['visitor', true]);
  // The slot is free: the next visitor is offered to the same agent at once.
  const next = await startVisitor(ws);
  const nv = await openVisitor(next.token);
  await askForLiveChat(nv);
  await inbox.waitFor(offeredFor(next.conversation), 5_000, 'offer after the slot freed');
});

test('an agent who closes the inbox hands the chat back: the visitor is told and it is offered again', async () => {
  const { id: ws } = await freshWorkspace('lc-agent-left', {
    settings: { accept_timeout_ms: 60_000, agent_gone_ms: 10_000 },
  });
  const aliceToken = await signIn(ws, ALICE);
  const alice = await openInbox(ws, aliceToken);
  const { v, visitor, offer } = await waitingVisitor(ws, { alice });
  alice.send({ type: 'accept', offer: offer.offer });
  await waitEntry(visitor, 'agent_joined');
  const chat = await openAgentChat(ws, v.conversation, aliceToken);
  const bob = await openInbox(ws, await signIn(ws, BOB));
  const t0 = Date.now();
  chat.close();
  alice.close();
  const left = await waitEntry(visitor, 'agent_left', () => true, 30_000);
  console.log(`  visitor told ${Date.now() - t0} ms after the agent closed the inbox (grace 10 s)`);
  assert.equal(left.agent.name, ALICE.name);
  await bob.waitFor(offeredFor(v.conversation), 5_000, 'offer to bob');
});
