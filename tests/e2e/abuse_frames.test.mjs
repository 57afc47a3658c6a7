// Frame floods on real sockets: every frame kind has a budget per socket (core's `guard`), a
// repeated typing state is never relayed, and a socket that keeps sending refused or unreadable
// frames is closed with 1008. A person who reconnects afterwards is served as before.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  freshWorkspace, DEMO_AGENTS, signIn, openInbox, openAgentChat, startVisitor, openVisitor,
  askForLiveChat, waitEntry, closeAllSockets,
} from './lib.mjs';

afterEach(closeAllSockets);
const [ALICE] = DEMO_AGENTS;

/** Resolves with `{code, reason}` once the socket is closed (by the server), or rejects. */
function closed(socket, timeout = 10_000) {
  if (socket.closed) return Promise.resolve(socket.closed);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`socket still open after ${timeout} ms`)), timeout);
    socket.ws.once('close', (code, reason) => { clearTimeout(t); resolve({ code, reason: reason.toString() }); });
  });
}

/** A live chat between a visitor and Alice, both sockets open. */
async function liveChat(prefix) {
  const { id: ws } = await freshWorkspace(prefix, { settings: { accept_timeout_ms: 60_000 } });
  const token = await signIn(ws, ALICE);
  const inbox = await openInbox(ws, token);
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  await askForLiveChat(visitor);
  const offered = await inbox.waitFor((m) => m.type === 'offered' && m.offer.conversation === v.conversation, 10_000, 'offer');
  inbox.send({ type: 'accept', offer: offered.offer.offer });
  await waitEntry(visitor, 'agent_joined');
  const agent = await openAgentChat(ws, v.conversation, token);
  return { ws, v, visitor, agent, inbox, token };
}

test('3,000 typing frames: the agent receives at most 100, and the flooding socket is closed with 1008', async () => {
  const { v, visitor, agent } = await liveChat('flood-typing');
  for (let i = 0; i < 3_000 && visitor.ws.readyState === visitor.ws.OPEN; i++) {
    visitor.send({ type: 'typing', on: i % 2 === 0 });
  }
  const how = await closed(visitor);
  await new Promise((r) => setTimeout(r, 500));
  const relayed = agent.frames.filter((m) => m.type === 'typing').length;
  console.log(`  3,000 typing frames sent: ${relayed} reached the agent; visitor socket closed ${how.code} "${how.reason}"`);
  assert.ok(relayed <= 100, `the agent received ${relayed} typing frames`);
  assert.equal(how.code, 1008);

  // The same visitor, reconnecting like a reloaded page, chats as before.
  const again = await openVisitor(v.token);
  again.send({ type: 'say', client_id: 'after-flood', text: 'Sorry, my keyboard got stuck.' });
  await again.waitFor((m) => m.type === 'ack' && m.client_id === 'after-flood', 5_000, 'ack');
  await waitEntry(agent, 'message', (e) => e.text === 'Sorry, my keyboard got stuck.');
});

test('500 hello frames: five replays, then rate_limited, then 1008; a repeated typing state is never relayed', async () => {
  const { v, visitor, agent } = await liveChat('flood-hello');
  const welcomesBefore = visitor.frames.filter((m) => m.type === 'welcome').length;
  for (let i = 0; i < 500 && visitor.ws.readyState === visitor.ws.OPEN; i++) {
    visitor.send({ type: 'hello', v: 1, last_seq: 0 });
  }
  const how = await closed(visitor);
  const welcomes = visitor.frames.filter((m) => m.type === 'welcome').length - welcomesBefore;
  const limited = visitor.frames.filter((m) => m.type === 'error' && m.code === 'rate_limited').length;
  console.log(`  500 hello frames: ${welcomes} replays, ${limited} rate_limited, closed ${how.code}`);
  // The socket's own first hello (sent by the helper) took one of the five.
  assert.ok(welcomes <= 5, `${welcomes} replays`);
  assert.ok(limited >= 1, 'told it is rate limited before being closed');
  assert.equal(how.code, 1008);

  const again = await openVisitor(v.token);
  for (let i = 0; i < 200; i++) again.send({ type: 'typing', on: true });
  await new Promise((r) => setTimeout(r, 1_000));
  const relayed = agent.frames.filter((m) => m.type === 'typing').length;
  assert.equal(relayed, 1, `200 × typing on → ${relayed} relayed`);
  assert.equal(again.closed, null, 'repeating a state is harmless: the socket stays open');
});

test('unreadable frames and an inbox flood close the socket with 1008', async () => {
  const { ws, token, inbox } = await liveChat('flood-bad');
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  for (let i = 0; i < 100 && visitor.ws.readyState === visitor.ws.OPEN; i++) visitor.send('not json');
  const bad = await closed(visitor);
  const errors = visitor.frames.filter((m) => m.type === 'error' && m.code === 'bad_frame').length;
  console.log(`  100 unreadable frames: ${errors} bad_frame errors, closed ${bad.code}`);
  assert.equal(bad.code, 1008);
  assert.ok(errors >= 1);

  for (let i = 0; i < 1_000 && inbox.ws.readyState === inbox.ws.OPEN; i++) {
    inbox.send({ type: 'set_presence', presence: i % 2 ? 'available' : 'away' });
  }
  const flooded = await closed(inbox);
  console.log(`  1,000 set_presence frames on an inbox: closed ${flooded.code} "${flooded.reason}"`);
  assert.equal(flooded.code, 1008);
  // The agent's next inbox works.
  const back = await openInbox(ws, token);
  back.send({ type: 'set_presence', presence: 'available' });
  await back.waitFor((m) => m.type === 'welcome' && m.presence === 'available', 5_000, 'welcome after presence');
});
