// Bad input over the API, no browser: every malformed request gets a clear 4xx JSON answer or
// an `error` frame, never a 5xx, and the conversation keeps working afterwards.
import { test, before, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, Api, freshWorkspace, DEMO_AGENTS, demoDialogue, signIn, openInbox, openAgentChat,
  startVisitor, openVisitor, askForLiveChat, entriesOf, waitEntry, closeAllSockets, Socket, wsUrl,
} from './lib.mjs';

const [ALICE] = DEMO_AGENTS;
afterEach(closeAllSockets);

let W;
before(async () => { W = await freshWorkspace('bad', { agents: [ALICE], settings: { accept_timeout_ms: 60_000, inactivity_timeout_ms: 120_000 } }); });

function assert4xx(r, status, label) {
  assert.equal(r.status, status, `${label}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  assert.equal(typeof r.body?.error, 'string', `${label}: JSON error body`);
}

test('invalid JSON, unknown fields and oversize bodies → 400 / 413 JSON', async () => {
  const anon = new Api(BASE);
  const start = '/api/visitor/conversations';
  assert4xx(await anon.call('POST', start, '{"workspace":'), 400, 'truncated JSON');
  assert4xx(await anon.call('POST', start, 'not json at all'), 400, 'not JSON');
  assert4xx(await anon.call('POST', start, ''), 400, 'empty body');
  assert4xx(await anon.call('POST', start, { workspace: W.id, page_url: 'https://x.test/', surprise: 1 }), 400, 'unknown field');
  assert4xx(await anon.call('POST', start, { workspace: 'NOT VALID', page_url: 'https://x.test/' }), 400, 'bad workspace id');
  assert4xx(await anon.call('POST', start, { workspace: W.id, page_url: 'https://x.test/' + 'a'.repeat(3000) }), 400, 'page_url too long');
  assert4xx(await anon.call('POST', start, JSON.stringify({ workspace: W.id, page_url: 'https://x.test/', pad: 'x'.repeat(300 * 1024) })), 413, 'visitor body > 256 KB');

  const s = `/api/workspaces/${W.id}/settings`;
  const settings = await W.admin.ok('GET', s);
  assert4xx(await W.admin.call('PUT', s, '{"plan": "prime",'), 400, 'settings: invalid JSON');
  assert4xx(await W.admin.call('PUT', s, { ...settings, colour: 'red' }), 400, 'settings: unknown field');
  assert4xx(await W.admin.call('PUT', s, { ...settings, plan: 'platinum' }), 400, 'settings: unknown plan');
  assert4xx(await W.admin.call('PUT', s, { ...settings, accept_timeout_ms: 10 }), 422, 'settings: timeout out of range');
  assert4xx(await W.admin.call('POST', `/api/workspaces/${W.id}/agents`, { email: 'x@y.test', name: 'X', password: 'long-enough', superpower: true }), 400, 'agent: unknown field');
  assert4xx(await W.admin.call('POST', `/api/workspaces/${W.id}/agents`, { email: 'not-an-email', name: 'X', password: 'long-enough' }), 400, 'agent: bad email');

  const big = demoDialogue();
  big.branches[3].cards[0].text = 'x'.repeat(300 * 1024);
  assert4xx(await W.admin.call('PUT', `/api/workspaces/${W.id}/dialogues/welcome`, big), 413, 'dialogue > 256 KB');
  // Nothing changed.
  assert.deepEqual(await W.admin.ok('GET', s), settings);
});

test('a dialogue whose live chat card is not last → 422 naming the branch and the card', async () => {
  const d = demoDialogue();
  const talk = d.branches.find((b) => b.id === 'talk');
  talk.cards.push({ id: 'after', kind: 'message', text: 'Surprise!' });
  const r = await W.admin.call('PUT', `/api/workspaces/${W.id}/dialogues/welcome`, d);
  assert4xx(r, 422, 'live chat not last');
  assert.equal(r.body.error, 'invalid_dialogue');
  const issue = r.body.issues.find((i) => i.code === 'live_chat_not_last');
  assert.ok(issue, JSON.stringify(r.body.issues));
  assert.equal(issue.branch, 'talk');
  assert.ok(['live', 'after'].includes(issue.card), `card named: ${issue.card}`);
  assert.match(issue.message, /talk/);
  // The stored dialogue is unchanged.
  const stored = await W.admin.ok('GET', `/api/workspaces/${W.id}/dialogues/welcome`);
  assert.equal(stored.branches.find((b) => b.id === 'talk').cards.at(-1).id, 'live');
  // The validate endpoint says the same without saving.
  const check = await W.admin.ok('POST', `/api/workspaces/${W.id}/dialogues/validate`, d);
  assert.equal(check.ok, false);
  assert.ok(check.errors.some((i) => i.code === 'live_chat_not_last'));
});

test('malformed frames and oversize messages → error frames; nothing stored; the chat still works', async () => {
  const token = await signIn(W.id, ALICE);
  const inbox = await openInbox(W.id, token);
  const v = await startVisitor(W.id);
  const visitor = await openVisitor(v.token);

  // Visitor socket, before the live chat.
  const errors = async (s, send, code) => {
    const n = s.frames.filter((m) => m.type === 'error').length;
    send();
    const e = await s.waitFor((m) => m.type === 'error' && s.frames.filter((f) => f.type === 'error').indexOf(m) >= n, 5000, `error ${code}`);
    assert.equal(e.code, code, JSON.stringify(e));
    assert.ok(e.message.length > 0);
  };
  await errors(visitor, () => visitor.send('this is not json'), 'bad_frame');
  await errors(visitor, () => visitor.send({ type: 'shout', text: 'hi' }), 'bad_frame');
  await errors(visitor, () => visitor.send({ type: 'say', client_id: 'x', text: 'hi', extra: 1 }), 'bad_frame');
  await errors(visitor, () => visitor.ws.send(Buffer.from([1, 2, 3])), 'binary_frame');
  await errors(visitor, () => visitor.send({ type: 'say', client_id: 'big', text: 'x'.repeat(20_000) }), 'frame_too_large');
  await errors(visitor, () => visitor.send({ type: 'answer', card: 'intent', button: 'no-such-button' }), 'unknown_button');
  await errors(visitor, () => visitor.send({ type: 'say', client_id: 'early', text: 'anyone?' }), 'chat_not_open');
  await errors(visitor, () => visitor.send({ type: 'capture', card: 'details', values: {} }), 'not_current_card');
  assert.equal(visitor.closed, null, 'the visitor socket stays open');

  // The dialogue still works after all that.
  await askForLiveChat(visitor);
  const { offer } = await inbox.waitFor((m) => m.type === 'offered', 10_000, 'offer');
  inbox.send({ type: 'accept', offer: offer.offer });
  await waitEntry(visitor, 'agent_joined');
  const agent = await openAgentChat(W.id, v.conversation, token);

  // Oversize chat messages (bytes, not characters): refused, nothing stored.
  const lastSeq = entriesOf(visitor).at(-1).seq;
  await errors(visitor, () => visitor.send({ type: 'say', client_id: 'long1', text: 'x'.repeat(4001) }), 'message_too_long');
  await errors(visitor, () => visitor.send({ type: 'say', client_id: 'long2', text: '€'.repeat(1400) }), 'message_too_long');
  await errors(agent, () => agent.send({ type: 'say', client_id: 'long3', text: 'y'.repeat(4001) }), 'message_too_long');
  // Exactly 4,000 bytes is fine.
  visitor.send({ type: 'say', client_id: 'max', text: 'z'.repeat(4000) });
  const ack = await visitor.waitFor((m) => m.type === 'ack' && m.client_id === 'max', 5000, 'ack max');
  assert.equal(ack.seq, lastSeq + 1, 'the refused messages took no seq');
  // A refused client_id can be used again with a valid text.
  visitor.send({ type: 'say', client_id: 'long1', text: 'short now' });
  const ack2 = await visitor.waitFor((m) => m.type === 'ack' && m.client_id === 'long1', 5000, 'ack long1');
  assert.equal(ack2.seq, lastSeq + 2);

  // Inbox socket: non-JSON, unknown type, binary → error frames; still usable.
  await errors(inbox, () => inbox.send('{{{'), 'bad_request');
  await errors(inbox, () => inbox.send({ type: 'dance' }), 'bad_request');
  await errors(inbox, () => inbox.ws.send(Buffer.from('hello')), 'bad_frame');
  await errors(inbox, () => inbox.send({ type: 'accept', offer: 999_999 }), 'offer_unavailable');
  // Agent chat socket: visitor-only frames are refused.
  await errors(agent, () => agent.send({ type: 'answer', card: 'intent', button: 'pricing' }), 'forbidden');
  await errors(agent, () => agent.send('nope'), 'bad_frame');

  agent.send({ type: 'say', client_id: 'ok', text: 'still here' });
  const seen = await waitEntry(visitor, 'message', (e) => e.client_id === 'ok');
  assert.equal(seen.seq, lastSeq + 3);
  const detail = await W.admin.ok('GET', `/api/workspaces/${W.id}/conversations/${v.conversation}`);
  const texts = detail.transcript.entries.filter((e) => e.event === 'message').map((e) => e.client_id);
  assert.deepEqual(texts, ['max', 'long1', 'ok']);
  assert.equal(inbox.closed, null);
  assert.equal(agent.closed, null);
});

test('a client speaking another protocol version is told so, then closed with 4000 (both sockets)', async () => {
  const token = await signIn(W.id, ALICE);
  const v = await startVisitor(W.id);
  const sockets = [
    ['visitor', wsUrl(`/api/visitor/ws?token=${encodeURIComponent(v.token)}`), { type: 'hello', v: 2, last_seq: 0 }],
    ['inbox', wsUrl(`/api/workspaces/${W.id}/inbox/ws?token=${encodeURIComponent(token)}`), { type: 'hello', v: 2 }],
  ];
  for (const [label, url, hello] of sockets) {
    const s = await Socket.open(url);
    s.send(hello);
    const e = await s.waitFor((m) => m.type === 'error', 5000, `${label}: unsupported_version`);
    assert.equal(e.code, 'unsupported_version', `${label}: ${JSON.stringify(e)}`);
    assert.ok(e.message.length > 0, label);
    for (let i = 0; i < 50 && !s.closed; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(s.closed?.code, 4000, `${label}: closed ${JSON.stringify(s.closed)}`);
    assert.ok(!s.frames.some((m) => m.type === 'welcome'), `${label}: no welcome`);
  }
});

test('unknown routes → 404 JSON, a wrong method → 405 with Allow, a second workspace with the same id → 409', async () => {
  assert4xx(await W.admin.call('GET', `/api/workspaces/${W.id}/nothing-here`), 404, 'unknown route');
  for (const [method, path, allow] of [
    ['DELETE', `/api/workspaces/${W.id}/settings`, 'GET, PUT'],
    ['GET', `/api/workspaces/${W.id}/dialogues/validate`, 'POST'],
    ['PATCH', '/api/visitor/conversations', 'POST'],
    ['QUERY', `/api/workspaces/${W.id}/agents`, 'GET, POST'],
  ]) {
    const r = await W.admin.call(method, path);
    assert4xx(r, 405, `${method} ${path}`);
    assert.equal(r.body.error, 'method_not_allowed');
    assert.equal(r.headers.get('allow'), allow, `${method} ${path}: Allow`);
  }
  assert4xx(await new Api(BASE).call('GET', '/api/nope'), 404, 'unknown api');
  assert4xx(await new Api(BASE, process.env.PARLOR_ADMIN_TOKEN).call('POST', '/api/workspaces', { id: W.id, name: 'again' }), 409, 'duplicate workspace');
  assert4xx(await W.admin.call('GET', `/api/workspaces/${W.id}/conversations/zzz`), 404, 'unknown conversation');
});

test('a PUT answers 201 when it creates and 200 when it replaces (teams and dialogues)', async () => {
  const team = `/api/workspaces/${W.id}/teams/support`;
  assert.equal((await W.admin.call('PUT', team, { name: 'Support' })).status, 201);
  assert.equal((await W.admin.call('PUT', team, { name: 'Support desk' })).status, 200);
  const d = { ...demoDialogue(), id: 'second' };
  const path = `/api/workspaces/${W.id}/dialogues/second`;
  const created = await W.admin.call('PUT', path, d);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal((await W.admin.call('PUT', path, d)).status, 200);
});
