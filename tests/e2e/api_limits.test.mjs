// Limits over the API, no browser: per-agent capacity (offers hold a slot), the Select plan's
// lifetime engagement limit, and rate limits on conversation starts and chat messages.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, Api, freshWorkspace, DEMO_AGENTS, signIn, openInbox, openAgentChat, startVisitor, Socket, wsUrl,
  openVisitor, askForLiveChat, entriesOf, waitEntry, until, closeAllSockets,
} from './lib.mjs';

const [ALICE] = DEMO_AGENTS;
afterEach(closeAllSockets);

const offeredFor = (conv) => (m) => m.type === 'offered' && m.offer.conversation === conv;

/** A visitor who asks for a live chat; returns `{v, socket}`. */
async function asker(ws, name) {
  const v = await startVisitor(ws);
  const socket = await openVisitor(v.token);
  await askForLiveChat(socket, { first_name: name, email: `${name.toLowerCase()}@example.com` });
  return { v, socket };
}

test('capacity 2: two chats (or a chat and an offer) fill the agent; a third visitor falls back until a slot frees', async () => {
  const { id: ws } = await freshWorkspace('cap', { agents: [ALICE], settings: { capacity: 2, accept_timeout_ms: 60_000, inactivity_timeout_ms: 120_000 } });
  const token = await signIn(ws, ALICE);
  const inbox = await openInbox(ws, token);
  assert.equal(inbox.frames.find((m) => m.type === 'welcome').capacity, 2);

  const one = await asker(ws, 'One');
  const o1 = await inbox.waitFor(offeredFor(one.v.conversation));
  inbox.send({ type: 'accept', offer: o1.offer.offer });
  await waitEntry(one.socket, 'agent_joined');

  // One chat + one outstanding offer = full: the offer holds the second slot.
  const two = await asker(ws, 'Two');
  const o2 = await inbox.waitFor(offeredFor(two.v.conversation));
  const three = await asker(ws, 'Three');
  const fb3 = await waitEntry(three.socket, 'fallback');
  assert.equal(fb3.kind, 'live_chat');
  assert.ok(!inbox.frames.some(offeredFor(three.v.conversation)), 'no third offer while an offer holds a slot');

  // Two accepted chats = full.
  inbox.send({ type: 'accept', offer: o2.offer.offer });
  await waitEntry(two.socket, 'agent_joined');
  const four = await asker(ws, 'Four');
  await waitEntry(four.socket, 'fallback');
  assert.ok(!inbox.frames.some(offeredFor(four.v.conversation)), 'no third offer with two accepted chats');
  inbox.send({ type: 'hello', v: 1 });
  const welcome = await until(() => inbox.frames.filter((m) => m.type === 'welcome')[1], { what: 'second welcome' });
  assert.equal(welcome.chats.length, 2);

  // The agent ends chat one: the slot frees and the next visitor is offered.
  const chat1 = await openAgentChat(ws, one.v.conversation, token);
  chat1.send({ type: 'end' });
  const closed = await inbox.waitFor((m) => m.type === 'chat_closed' && m.conversation === one.v.conversation, 5000, 'chat_closed');
  assert.equal(closed.reason, 'ended_by_agent');
  await waitEntry(one.socket, 'ended');
  const five = await asker(ws, 'Five');
  await inbox.waitFor(offeredFor(five.v.conversation), 5000, 'offer after a slot freed');
});

test('Select plan, engagement limit 1: the second visitor gets the global fallback text', async () => {
  const globalText = 'Live chat is closed for this trial — write to us instead.';
  const { id: ws, admin } = await freshWorkspace('select', {
    agents: [ALICE],
    settings: { plan: 'select', engagement_limit: 1, global_fallback: globalText, accept_timeout_ms: 60_000, inactivity_timeout_ms: 120_000, notification_emails: ['sales@acme.test'] },
  });
  const inbox = await openInbox(ws, await signIn(ws, ALICE));
  const one = await asker(ws, 'First');
  const o1 = await inbox.waitFor(offeredFor(one.v.conversation));
  inbox.send({ type: 'accept', offer: o1.offer.offer });
  await waitEntry(one.socket, 'agent_joined');

  const two = await asker(ws, 'Second');
  const fb = await waitEntry(two.socket, 'fallback');
  assert.equal(fb.kind, 'global');
  assert.equal(fb.text, globalText);
  assert.ok(!inbox.frames.some(offeredFor(two.v.conversation)), 'no offer beyond the engagement limit');
  // The lead is not lost: a failed-action email with the captured fields.
  const row = await until(async () => (await admin.ok('GET', `/api/workspaces/${ws}/outbox`)).find((r) => r.entry.action?.conversation === two.v.conversation), { what: 'outbox row' });
  assert.equal(row.entry.action.visitor.first_name, 'Second');
  assert.deepEqual(row.entry.to, ['sales@acme.test']);
  // Still global after the first chat ends: the limit is for the workspace's lifetime.
  one.socket.send({ type: 'end' });
  await waitEntry(one.socket, 'ended');
  const three = await asker(ws, 'Third');
  assert.equal((await waitEntry(three.socket, 'fallback')).kind, 'global');
});

test('rate limits: more than 20 rapid conversation starts → 429 JSON; more than 20 rapid messages → rate_limited frames', async () => {
  const { id: ws } = await freshWorkspace('rate', { agents: [ALICE], settings: { accept_timeout_ms: 60_000, inactivity_timeout_ms: 120_000 } });
  const anon = new Api(BASE);
  const results = await Promise.all(Array.from({ length: 26 }, () =>
    anon.call('POST', '/api/visitor/conversations', { workspace: ws, page_url: 'https://www.example.com/', language: 'en' })));
  const statuses = results.map((r) => r.status);
  const created = statuses.filter((s) => s === 201).length;
  const limited = results.filter((r) => r.status === 429);
  console.log(`  26 parallel starts: ${created} × 201, ${limited.length} × 429`);
  assert.ok(statuses.every((s) => s === 201 || s === 429), `only 201/429: ${statuses}`);
  assert.ok(created >= 20 && created <= 21, `the burst of 20 is allowed (${created})`);
  assert.ok(limited.length >= 5);
  for (const r of limited) {
    assert.equal(r.body.error, 'rate_limited');
    // Starts refill at 10 a minute: the next one is at most 6 s away, and the client is told.
    const secs = Number(r.headers.get('retry-after'));
    assert.ok(Number.isInteger(secs) && secs >= 1 && secs <= 6, `Retry-After ${r.headers.get('retry-after')}`);
  }
  // The starts are used up, yet visitors already in a conversation resume it (a page view each):
  // resumes count apart.
  const tokens = results.filter((r) => r.status === 201).slice(0, 5).map((r) => r.body.token);
  for (const token of tokens) {
    const r = await anon.call('POST', '/api/visitor/conversations', { workspace: ws, page_url: 'https://www.example.com/pricing', language: 'en', token });
    assert.equal(r.status, 201, `resume while starts are limited: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.resumed, true);
  }
  // A token that resumes nothing asks for a new conversation: still limited.
  const bogus = await anon.call('POST', '/api/visitor/conversations', { workspace: ws, page_url: 'https://www.example.com/', language: 'en', token: 'nothing.here' });
  assert.equal(bogus.status, 429, JSON.stringify(bogus.body));

  // Messages: a side may send 20 at once; the rest are refused with an error frame, not stored.
  const { v, socket } = await (async () => {
    const inbox = await openInbox(ws, await signIn(ws, ALICE));
    const conv = results.find((r) => r.status === 201).body;
    const s = await openVisitor(conv.token);
    await askForLiveChat(s);
    const o = await inbox.waitFor(offeredFor(conv.conversation));
    inbox.send({ type: 'accept', offer: o.offer.offer });
    await waitEntry(s, 'agent_joined');
    return { v: conv, socket: s };
  })();
  for (let i = 0; i < 30; i++) socket.send({ type: 'say', client_id: `m${i}`, text: `message ${i}` });
  await until(() => socket.frames.filter((m) => m.type === 'ack' || (m.type === 'error' && m.code === 'rate_limited')).length >= 30, { what: '30 answers' });
  const acks = socket.frames.filter((m) => m.type === 'ack').length;
  const refused = socket.frames.filter((m) => m.type === 'error' && m.code === 'rate_limited').length;
  console.log(`  30 rapid messages: ${acks} acked, ${refused} rate_limited`);
  assert.ok(acks >= 20 && acks <= 21, `burst of 20 (${acks})`);
  assert.equal(acks + refused, 30);
  await until(() => entriesOf(socket, 'message').length === acks, { what: 'entries' });
  assert.equal(socket.frames.filter((m) => m.type === 'error' && m.code !== 'rate_limited').length, 0);
  assert.ok(v.conversation);
});

test('a conversation takes at most 20 visitor sockets: the 21st upgrade is refused with 429, and one closing makes room', async () => {
  const { id: ws } = await freshWorkspace('sockets', { agents: [ALICE] });
  const v = await startVisitor(ws);
  const url = wsUrl(`/api/visitor/ws?token=${encodeURIComponent(v.token)}`);
  const open = [];
  for (let i = 0; i < 20; i++) open.push(await Socket.open(url));
  await assert.rejects(Socket.open(url), /upgrade refused: 429/);
  open[0].close();
  await until(async () => {
    try {
      open.push(await Socket.open(url));
      return true;
    } catch {
      return false;
    }
  }, { what: 'room after a socket closed' });
});
