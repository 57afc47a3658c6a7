// workerd is killed (SIGKILL) mid-chat and with an offer pending, then started again on the same
// state: transcripts survive, the pending offer's deadline still fires, and clients resume with
// hello{last_seq} without losing or duplicating a message. Runs its OWN server (own port, own
// persist dir), not the suite's shared one.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, freePort, devVars } from '../../scripts/lib/server.mjs';
import {
  Api, DEMO_AGENTS, demoDialogue, signIn, openInbox, openAgentChat, startVisitor, openVisitor,
  askForLiveChat, entriesOf, waitEntry, seqsOf, closeAllSockets,
} from './lib.mjs';
import { seedWorkspace } from '../../scripts/lib/demo.mjs';

const [ALICE] = DEMO_AGENTS;
const OPERATOR = process.env.PARLOR_ADMIN_TOKEN || devVars().ADMIN_TOKEN;
const ACCEPT_MS = 12_000;

let state, port, server;
before(async () => {
  state = mkdtempSync(join(tmpdir(), 'parlor-restart-'));
  port = await freePort();
  server = await startServer({ port, persistTo: state });
});
after(async () => {
  closeAllSockets();
  await server?.kill();
  rmSync(state, { recursive: true, force: true });
});
afterEach(closeAllSockets);

/** Message entries by client_id, asserting each appears once. */
function onceEach(entries, label) {
  const ids = entries.filter((e) => e.event === 'message').map((e) => e.client_id);
  assert.equal(new Set(ids).size, ids.length, `${label}: a message appears twice: ${ids.join(',')}`);
  return ids;
}
const gapless = (seqs) => seqs.every((s, i) => s === i + 1);

test('SIGKILL mid-chat and with an offer pending: state survives, deadlines fire, clients resume exactly', async () => {
  const base = server.url;
  const ws = `restart-${Date.now().toString(36)}`;
  const key = await seedWorkspace(base, OPERATOR, {
    id: ws, agents: [ALICE], dialogue: demoDialogue(),
    settings: { accept_timeout_ms: ACCEPT_MS, inactivity_timeout_ms: 300_000, live_chat_fallback: 'Back soon (restart test).' },
  });
  const admin = new Api(base, key);
  const token = await signIn(ws, ALICE, base);
  const inbox = await openInbox(ws, token, base);

  // Chat 1: accepted, a few messages each way.
  const v1 = await startVisitor(ws, { base });
  const visitor = await openVisitor(v1.token, { base });
  await askForLiveChat(visitor, { first_name: 'Lin', email: 'lin@example.com' });
  const o1 = await inbox.waitFor((m) => m.type === 'offered' && m.offer.conversation === v1.conversation);
  inbox.send({ type: 'accept', offer: o1.offer.offer });
  await waitEntry(visitor, 'agent_joined');
  const agent = await openAgentChat(ws, v1.conversation, token, { base });
  for (let i = 0; i < 3; i++) {
    visitor.send({ type: 'say', client_id: `v${i}`, text: `visitor ${i}` });
    await waitEntry(agent, 'message', (e) => e.client_id === `v${i}`);
    agent.send({ type: 'say', client_id: `a${i}`, text: `agent ${i}` });
    await waitEntry(visitor, 'message', (e) => e.client_id === `a${i}`);
  }

  // Chat 2: offered to Alice, not accepted.
  const v2 = await startVisitor(ws, { base });
  const visitor2 = await openVisitor(v2.token, { base });
  await askForLiveChat(visitor2, { first_name: 'Mo', email: 'mo@example.com' });
  const o2 = await inbox.waitFor((m) => m.type === 'offered' && m.offer.conversation === v2.conversation);
  const v2Seen = entriesOf(visitor2).at(-1).seq;

  // One message in flight as the process dies: the client does not know whether it was stored.
  const visitorSeen = entriesOf(visitor).at(-1).seq;
  const agentSeen = entriesOf(agent).at(-1).seq;
  const beforeKill = entriesOf(visitor).map((e) => ({ seq: e.seq, event: e.event, client_id: e.client_id }));
  visitor.send({ type: 'say', client_id: 'inflight', text: 'sent as the server died' });
  const tKill = Date.now();
  await server.kill();
  await Promise.all([visitor, visitor2, agent, inbox].map((s) => s.closed ? null : new Promise((r) => s.ws.once('close', r))));
  server = await startServer({ port, persistTo: state });
  console.log(`  workerd back ${Date.now() - tKill} ms after SIGKILL; offer deadline in ${o2.offer.deadline - Date.now()} ms`);

  // The transcript is intact: everything the visitor saw before the kill, in order.
  const d1 = await admin.ok('GET', `/api/workspaces/${ws}/conversations/${v1.conversation}`);
  const stored = d1.transcript.entries;
  assert.ok(gapless(stored.map((e) => e.seq)), `stored seqs gapless: ${stored.map((e) => e.seq)}`);
  assert.deepEqual(stored.slice(0, beforeKill.length).map((e) => ({ seq: e.seq, event: e.event, client_id: e.client_id })), beforeKill);
  const inflightStored = stored.some((e) => e.client_id === 'inflight');
  console.log(`  in-flight message ${inflightStored ? 'was' : 'was not'} stored before the kill`);
  assert.equal(d1.conversation.status, 'live');
  assert.equal(d1.transcript.agent, ALICE.id);

  // Visitor 2 reconnects only after the offer's deadline: nothing but the object's own alarm
  // (set before the kill) can have fired it.
  await new Promise((r) => setTimeout(r, Math.max(0, o2.offer.deadline + 1500 - Date.now())));
  const visitor2b = await openVisitor(v2.token, { base, lastSeq: v2Seen });
  const fb = await waitEntry(visitor2b, 'fallback', () => true, 10_000).catch((e) => {
    console.log(server.output().slice(-6000));
    throw e;
  });
  const lateBy = Date.now() - o2.offer.deadline;
  console.log(`  fallback stored ${fb.at - o2.offer.deadline} ms after the offer deadline; seen on reconnect ${lateBy} ms after it`);
  assert.ok(fb.at - o2.offer.deadline < 1400, 'the deadline fired on time, not only when the visitor came back');
  assert.equal(fb.text, 'Back soon (restart test).');
  assert.equal(fb.seq, v2Seen + 1, 'the fallback follows what the visitor had seen');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(entriesOf(visitor2b, 'fallback').length, 1, 'exactly one fallback frame');
  const d2 = await admin.ok('GET', `/api/workspaces/${ws}/conversations/${v2.conversation}`);
  assert.equal(d2.transcript.entries.filter((e) => e.event === 'fallback').length, 1, 'exactly one fallback stored');
  assert.equal(d2.conversation.status, 'fell_back');
  assert.ok(seqsOf(visitor2b).every((s) => s > v2Seen), 'no entry replayed twice');

  // Chat 1 resumes: each side gets exactly what it missed.
  const visitorB = await openVisitor(v1.token, { base, lastSeq: visitorSeen });
  const agentB = await openAgentChat(ws, v1.conversation, token, { base, lastSeq: agentSeen });
  const inboxB = await openInbox(ws, token, base);
  const welcome = inboxB.frames.find((m) => m.type === 'welcome');
  assert.deepEqual(welcome.chats.map((c) => c.conversation), [v1.conversation], 'the inbox still holds chat 1');
  assert.deepEqual(welcome.offers, [], 'the expired offer is gone');
  // The client resends its unacknowledged message with the same client_id.
  visitorB.send({ type: 'say', client_id: 'inflight', text: 'sent as the server died' });
  const ack = await visitorB.waitFor((m) => m.type === 'ack' && m.client_id === 'inflight', 5000, 'inflight ack');
  visitorB.send({ type: 'say', client_id: 'after', text: 'after the restart' });
  await waitEntry(agentB, 'message', (e) => e.client_id === 'after');
  agentB.send({ type: 'say', client_id: 'a-after', text: 'agent after the restart' });
  await waitEntry(visitorB, 'message', (e) => e.client_id === 'a-after');
  await waitEntry(agentB, 'message', (e) => e.client_id === 'a-after');

  const vSeqs = [...seqsOf(visitor), ...seqsOf(visitorB)];
  const aSeqs = [...seqsOf(agent), ...seqsOf(agentB)];
  const final = (await admin.ok('GET', `/api/workspaces/${ws}/conversations/${v1.conversation}`)).transcript.entries;
  const all = final.map((e) => e.seq);
  console.log(`  visitor seqs ${vSeqs.join(',')}; agent seqs from ${aSeqs[0]} to ${aSeqs.at(-1)}; stored ${all.length}`);
  assert.ok(gapless(all));
  assert.deepEqual(vSeqs, all, 'the visitor saw every entry exactly once');
  assert.deepEqual(aSeqs, all.filter((s) => s >= aSeqs[0]), 'the agent saw every entry since it joined exactly once');
  assert.deepEqual(onceEach(final, 'stored'), ['v0', 'a0', 'v1', 'a1', 'v2', 'a2', 'inflight', 'after', 'a-after']);
  assert.equal(ack.seq, final.find((e) => e.client_id === 'inflight').seq);
});
