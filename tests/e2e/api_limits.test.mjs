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
  const keyOf = (i) => `burst-start-key-${String(i).padStart(2, '0')}`;
  const results = await Promise.all(Array.from({ length: 26 }, (_, i) =>
    anon.call('POST', '/api/visitor/conversations', { workspace: ws, page_url: 'https://www.example.com/', language: 'en', start: keyOf(i) })));
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
  // So is a start tried again with its key (its answer lost): the same conversation, as a resume.
  const first = results.findIndex((r) => r.status === 201);
  const again = await anon.call('POST', '/api/visitor/conversations', { workspace: ws, page_url: 'https://www.example.com/', language: 'en', start: keyOf(first) });
  assert.equal(again.status, 201, `a start's retry while starts are limited: ${JSON.stringify(again.body)}`);
  assert.equal(again.body.conversation, results[first].body.conversation);
  assert.equal(again.body.token, results[first].body.token);
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

/** A dialogue whose only card is the live chat card: a start is a live chat request. */
const liveChatFirst = () => ({
  id: 'straight',
  name: 'Straight to a person',
  targeting: [],
  branches: [{ id: 'main', cards: [{ id: 'live', kind: 'live_chat', text: 'Connecting you…', routing: { mode: 'round_robin' } }] }],
});

test('a start tried again with its key: one conversation, one offer, the same token; a new key starts anew', async () => {
  const { id: ws, admin } = await freshWorkspace('retry', {
    agents: [ALICE], dialogue: liveChatFirst(), settings: { capacity: 5, accept_timeout_ms: 60_000, inactivity_timeout_ms: 120_000 },
  });
  const inbox = await openInbox(ws, await signIn(ws, ALICE));
  const anon = new Api(BASE);
  const start = (body) => anon.call('POST', '/api/visitor/conversations', { workspace: ws, page_url: 'https://www.example.com/', language: 'en', ...body });

  // The first try is carried out (its answer, say, lost on the way); the retry gets the same answer.
  const key = 'k0123456789abcdef0123456789abcdef-0';
  const one = await start({ start: key });
  assert.equal(one.status, 201, JSON.stringify(one.body));
  await inbox.waitFor(offeredFor(one.body.conversation), 10_000, 'the offer of the first try');
  const retry = await start({ start: key });
  assert.equal(retry.status, 201, JSON.stringify(retry.body));
  assert.deepEqual(
    { conversation: retry.body.conversation, token: retry.body.token, resumed: retry.body.resumed },
    { conversation: one.body.conversation, token: one.body.token, resumed: false },
  );
  // Retries that overlap the first try (a gateway gave up on it) meet the same conversation too.
  const key2 = 'k0123456789abcdef0123456789abcdef-1';
  const overlapping = await Promise.all([1, 2, 3].map(() => start({ start: key2 })));
  assert.deepEqual(overlapping.map((r) => r.status), [201, 201, 201], JSON.stringify(overlapping.map((r) => r.body)));
  assert.equal(new Set(overlapping.map((r) => r.body.token)).size, 1, 'one token for one start');
  const two = overlapping[0].body;
  assert.notEqual(two.conversation, one.body.conversation, 'another key, another conversation');
  await inbox.waitFor(offeredFor(two.conversation), 10_000, 'the second start\'s offer');

  // The token the retry got opens the visitor's socket: the transcript is the one start's.
  const visitor = await openVisitor(retry.body.token);
  await waitEntry(visitor, 'live_chat_requested');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(entriesOf(visitor, 'live_chat_requested').length, 1);
  assert.equal(inbox.frames.filter(offeredFor(one.body.conversation)).length, 1, 'one offer for the first start');
  assert.equal(inbox.frames.filter(offeredFor(two.conversation)).length, 1, 'one offer for the second start');
  const rows = await admin.ok('GET', `/api/workspaces/${ws}/conversations`);
  assert.deepEqual(rows.map((r) => r.id).sort(), [one.body.conversation, two.conversation].sort());

  // The same key in another workspace names another conversation there.
  const { id: other } = await freshWorkspace('retry-other', { agents: [ALICE], dialogue: liveChatFirst() });
  const elsewhere = await anon.call('POST', '/api/visitor/conversations', { workspace: other, page_url: 'https://www.example.com/', start: key });
  assert.equal(elsewhere.status, 201, JSON.stringify(elsewhere.body));
  assert.notEqual(elsewhere.body.conversation, one.body.conversation);

  // A key outside the rule is refused with words, and nothing starts.
  for (const bad of ['short', 'x'.repeat(65), 'has spaces in it, sixteen+']) {
    const r = await start({ start: bad });
    assert.equal(r.status, 400, `${JSON.stringify(bad)}: ${JSON.stringify(r.body)}`);
    assert.match(r.body.message, /start must be 16 to 64 characters/);
  }
  assert.equal((await start({ start: 42 })).status, 400, 'a key that is not a string');
  assert.equal((await admin.ok('GET', `/api/workspaces/${ws}/conversations`)).length, 2);
});

test('a key whose conversation was erased starts a new conversation under its next name, as retry-safe', async () => {
  const { id: ws, admin } = await freshWorkspace('retry-erased', { agents: [ALICE], dialogue: liveChatFirst() });
  const anon = new Api(BASE);
  const start = () => anon.call('POST', '/api/visitor/conversations', { workspace: ws, page_url: 'https://www.example.com/', language: 'en', start: 'k0123456789abcdef0123456789abcdef-7' });
  const one = await start();
  assert.equal(one.status, 201, JSON.stringify(one.body));
  const erased = await admin.ok('POST', `/api/workspaces/${ws}/erasures`, { conversation: one.body.conversation });
  assert.equal(erased.erased.conversations, 1, JSON.stringify(erased));
  // The key comes again (a page kept it while its answer was lost): its name is a tombstone now.
  const two = await start();
  assert.equal(two.status, 201, JSON.stringify(two.body));
  assert.notEqual(two.body.conversation, one.body.conversation, 'the erased id is never used again');
  assert.notEqual(two.body.token, one.body.token);
  const visitor = await openVisitor(two.body.token);
  await waitEntry(visitor, 'live_chat_requested');
  const rows = await admin.ok('GET', `/api/workspaces/${ws}/conversations`);
  assert.deepEqual(rows.map((r) => r.id), [two.body.conversation]);
  // That start is retry-safe under the key too: its retry gets the same answer.
  const again = await start();
  assert.equal(again.status, 201, JSON.stringify(again.body));
  assert.deepEqual([again.body.conversation, again.body.token], [two.body.conversation, two.body.token]);
  assert.equal((await admin.ok('GET', `/api/workspaces/${ws}/conversations`)).length, 1);
});
