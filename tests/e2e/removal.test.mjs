// Removal, role changes and password resets take effect at once, everywhere, over the API and
// real sockets (no browser): the agent's token stops working, their inbox, chat and admin
// sockets close with 4001, and their live chats go to someone else.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  BASE, Api, freshWorkspace, DEMO_AGENTS, signIn, openInbox, openAgentChat, startVisitor,
  openVisitor, askForLiveChat, waitEntry, refusedUpgrade, wsUrl, closeAllSockets, Socket,
} from './lib.mjs';
import { devVars } from '../../scripts/lib/server.mjs';

const [ALICE, BOB] = DEMO_AGENTS;
afterEach(closeAllSockets);

const offeredFor = (conv) => (m) => m.type === 'offered' && m.offer.conversation === conv;
const inboxUrl = (ws, token) => wsUrl(`/api/workspaces/${ws}/inbox/ws?token=${encodeURIComponent(token)}`);
const adminUrl = (ws, token) => wsUrl(`/api/workspaces/${ws}/admin/ws?token=${encodeURIComponent(token)}`);
const chatUrl = (ws, conv, token) => wsUrl(`/api/workspaces/${ws}/conversations/${conv}/ws?token=${encodeURIComponent(token)}`);

const sockets = [];
afterEach(() => { for (const s of sockets.splice(0)) { try { s.ws.terminate(); } catch {} } });
/**
 * An admin view socket. The admin protocol has no client frames and the server ignores any it
 * gets (after checking the session); `poke` sends one. Local workerd only tears the connection
 * down after a close it initiated once the client has sent a frame: a silent client receives
 * the 4001 close frame at once, but its `close` event waits for the transport (Chromium gives
 * up after 2 s). So silent sockets are checked on `readyState` (CLOSING once the server's close
 * frame arrived), poked ones on the close event itself.
 */
async function openAdmin(ws, token, { poke = false } = {}) {
  const s = await Socket.open(adminUrl(ws, token));
  sockets.push(s);
  if (poke) {
    s.send({ type: 'hello', v: 1 });
    await new Promise((r) => setTimeout(r, 100));
  }
  return s;
}

/** Resolves with the ms since `since` when the server's close frame has arrived (readyState leaves OPEN). */
async function closeFrameOf(socket, since, timeout = 5_000) {
  const deadline = Date.now() + timeout;
  while (socket.ws.readyState === socket.ws.OPEN) {
    if (Date.now() > deadline) throw new Error(`no close frame after ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - since;
}

/** Resolves with `{code, reason, ms}` when the socket closes (ms since `since`); rejects after `timeout`. */
function closeOf(socket, since, timeout = 5_000) {
  if (socket.closed) return Promise.resolve({ ...socket.closed, ms: Date.now() - since });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`socket still open after ${timeout} ms`)), timeout);
    socket.ws.once('close', (code, reason) => {
      clearTimeout(t);
      resolve({ code, reason: reason.toString(), ms: Date.now() - since });
    });
  });
}

/** Asserts a JSON 401 for this token on `GET /me`. */
async function assertSignedOut(ws, token, label) {
  const r = await new Api(BASE, token).call('GET', `/api/workspaces/${ws}/me`);
  assert.equal(r.status, 401, `${label}: GET /me → ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(r.body?.error, 'unauthorized', `${label}: JSON error`);
  assert.equal(typeof r.body?.message, 'string', `${label}: JSON message`);
}

test('a removed agent: token refused, inbox and open chat socket closed with 4001, new chat socket refused, the chat goes to a colleague', async () => {
  const { id: ws, admin } = await freshWorkspace('rm-agent', { settings: { accept_timeout_ms: 60_000 } });
  const bobToken = await signIn(ws, BOB);
  const bobInbox = await openInbox(ws, bobToken);
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  await askForLiveChat(visitor);
  const { offer } = await bobInbox.waitFor(offeredFor(v.conversation), 10_000, 'offer to bob');
  bobInbox.send({ type: 'accept', offer: offer.offer });
  await bobInbox.waitFor((m) => m.type === 'chat_started' && m.chat.conversation === v.conversation, 5_000, 'chat_started');
  await waitEntry(visitor, 'agent_joined');
  const bobChat = await openAgentChat(ws, v.conversation, bobToken);
  // Alice comes online afterwards, so she was never offered this chat.
  const alice = await openInbox(ws, await signIn(ws, ALICE));
  assert.equal((await new Api(BASE, bobToken).call('GET', `/api/workspaces/${ws}/me`)).status, 200);

  const t0 = Date.now();
  await admin.ok('DELETE', `/api/workspaces/${ws}/agents/${BOB.id}`);
  const [inboxClosed, chatClosed] = await Promise.all([closeOf(bobInbox, t0), closeOf(bobChat, t0)]);
  console.log(`  inbox closed ${inboxClosed.ms} ms, chat socket closed ${chatClosed.ms} ms after the DELETE was sent`);
  assert.equal(inboxClosed.code, 4001, `inbox close: ${JSON.stringify(inboxClosed)}`);
  assert.equal(chatClosed.code, 4001, `chat close: ${JSON.stringify(chatClosed)}`);
  assert.ok(chatClosed.ms < 1_000, `chat socket closed within 1 s (${chatClosed.ms} ms)`);
  assert.ok(inboxClosed.reason.length > 0, 'the inbox is told why');

  await assertSignedOut(ws, bobToken, 'removed agent');
  for (const [label, url] of [['chat', chatUrl(ws, v.conversation, bobToken)], ['inbox', inboxUrl(ws, bobToken)]]) {
    const r = await refusedUpgrade(url);
    assert.equal(r.status, 401, `new ${label} socket with the old token: ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(r.body?.error, 'unauthorized');
  }

  // The visitor is told and the chat is offered to Alice.
  const left = await waitEntry(visitor, 'agent_left', () => true, 5_000);
  assert.equal(left.agent.name, BOB.name);
  await alice.waitFor(offeredFor(v.conversation), 5_000, 'offer to alice');

  // Created again under the same id, Bob gets a new session epoch: the old token stays dead.
  await admin.ok('POST', `/api/workspaces/${ws}/agents`, { ...BOB, avatar_url: null });
  await assertSignedOut(ws, bobToken, 'removed then re-created agent, old token');
  const fresh = await signIn(ws, BOB);
  assert.equal((await new Api(BASE, fresh).call('GET', `/api/workspaces/${ws}/me`)).status, 200);
});

test('a demoted admin: the admin view opened before closes within 1 s, the old token is refused, the new one has no admin rights', async () => {
  const { id: ws, admin } = await freshWorkspace('demote');
  const aliceToken = await signIn(ws, ALICE);
  const view = await openAdmin(ws, aliceToken, { poke: true });
  const silent = await openAdmin(ws, aliceToken);
  const keyView = await openAdmin(ws, admin.token);

  const t0 = Date.now();
  await admin.ok('PATCH', `/api/workspaces/${ws}/agents/${ALICE.id}`, { role: 'agent' });
  const [closed, silentMs] = await Promise.all([closeOf(view, t0), closeFrameOf(silent, t0)]);
  console.log(`  admin view closed ${closed.ms} ms after the PATCH was sent: ${closed.code} "${closed.reason}"; a silent view got its close frame after ${silentMs} ms`);
  assert.equal(closed.code, 4001);
  assert.ok(closed.ms < 1_000, `closed within 1 s (${closed.ms} ms)`);
  assert.ok(silentMs < 1_000, `close frame within 1 s (${silentMs} ms)`);
  assert.match(closed.reason, /role/i);

  // The key holder's view is not touched and keeps receiving records; Alice's views get none.
  const v = await startVisitor(ws);
  await keyView.waitFor((m) => m.type === 'conversation' && m.record.id === v.conversation, 5_000, 'record on the key view');
  assert.equal(keyView.closed, null);
  assert.equal(keyView.ws.readyState, keyView.ws.OPEN);
  await new Promise((r) => setTimeout(r, 300));
  for (const s of [view, silent]) {
    assert.equal(s.frames.filter((m) => m.type === 'conversation' && m.record.id === v.conversation).length, 0);
  }

  await assertSignedOut(ws, aliceToken, 'demoted admin, old token');
  let r = await refusedUpgrade(adminUrl(ws, aliceToken));
  assert.equal(r.status, 401, `admin view with the old token: ${r.status}`);
  const again = await signIn(ws, ALICE);
  assert.equal((await new Api(BASE, again).call('GET', `/api/workspaces/${ws}/me`)).status, 200);
  r = await refusedUpgrade(adminUrl(ws, again));
  assert.equal(r.status, 403, `admin view as an agent: ${r.status}`);
  assert.equal((await new Api(BASE, again).call('GET', `/api/workspaces/${ws}/agents`)).status, 403);
});

test('a demoted admin\'s live chat goes to a colleague at once: sockets closed, the visitor told, the chat offered', async () => {
  const { id: ws, admin } = await freshWorkspace('demote-chat', { settings: { accept_timeout_ms: 60_000 } });
  const aliceToken = await signIn(ws, ALICE);
  const aliceInbox = await openInbox(ws, aliceToken);
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  await askForLiveChat(visitor);
  const { offer } = await aliceInbox.waitFor(offeredFor(v.conversation), 10_000, 'offer to alice');
  aliceInbox.send({ type: 'accept', offer: offer.offer });
  await aliceInbox.waitFor((m) => m.type === 'chat_started' && m.chat.conversation === v.conversation, 5_000, 'chat_started');
  await waitEntry(visitor, 'agent_joined');
  const aliceChat = await openAgentChat(ws, v.conversation, aliceToken);
  // Bob comes online afterwards, so he was never offered this chat.
  const bob = await openInbox(ws, await signIn(ws, BOB));

  const t0 = Date.now();
  await admin.ok('PATCH', `/api/workspaces/${ws}/agents/${ALICE.id}`, { role: 'agent' });
  const [inboxClosed, chatClosed] = await Promise.all([closeOf(aliceInbox, t0), closeOf(aliceChat, t0)]);
  assert.equal(inboxClosed.code, 4001);
  assert.equal(chatClosed.code, 4001);
  const left = await waitEntry(visitor, 'agent_left', () => true, 5_000);
  const leftMs = Date.now() - t0;
  assert.equal(left.agent.name, ALICE.name);
  await bob.waitFor(offeredFor(v.conversation), 5_000, 'offer to bob');
  console.log(`  demotion: inbox closed ${inboxClosed.ms} ms, chat socket ${chatClosed.ms} ms, visitor told ${leftMs} ms, bob offered ${Date.now() - t0} ms after the PATCH was sent`);
  assert.ok(chatClosed.ms < 1_000, `chat socket closed within 1 s (${chatClosed.ms} ms)`);
});

test('a removed admin: the admin view closes with 4001 and the token is refused', async () => {
  const { id: ws, admin } = await freshWorkspace('rm-admin');
  const aliceToken = await signIn(ws, ALICE);
  const view = await openAdmin(ws, aliceToken, { poke: true });
  const silent = await openAdmin(ws, aliceToken);
  const inbox = await openInbox(ws, aliceToken);
  const t0 = Date.now();
  await admin.ok('DELETE', `/api/workspaces/${ws}/agents/${ALICE.id}`);
  const [v, i, s] = await Promise.all([closeOf(view, t0), closeOf(inbox, t0), closeFrameOf(silent, t0)]);
  console.log(`  admin view closed ${v.ms} ms, inbox ${i.ms} ms after the DELETE was sent (silent view: close frame after ${s} ms)`);
  assert.equal(v.code, 4001);
  assert.equal(i.code, 4001);
  assert.match(v.reason, /removed/i);
  assert.ok(v.ms < 1_000, `admin view closed within 1 s (${v.ms} ms)`);
  assert.ok(s < 1_000, `silent admin view: close frame within 1 s (${s} ms)`);
  await assertSignedOut(ws, aliceToken, 'removed admin');
  const r = await refusedUpgrade(adminUrl(ws, aliceToken));
  assert.equal(r.status, 401);
});

test('losing the live chat permission ends the sessions', async () => {
  const { id: ws, admin } = await freshWorkspace('no-chat');
  const bobToken = await signIn(ws, BOB);
  const inbox = await openInbox(ws, bobToken);
  const t0 = Date.now();
  await admin.ok('PATCH', `/api/workspaces/${ws}/agents/${BOB.id}`, { live_chat: false });
  const closed = await closeOf(inbox, t0);
  assert.equal(closed.code, 4001);
  await assertSignedOut(ws, bobToken, 'agent without live chat, old token');
  // Other changes (name, teams) keep the session.
  const again = await signIn(ws, BOB);
  await admin.ok('PATCH', `/api/workspaces/${ws}/agents/${BOB.id}`, { name: 'Robert Durand', teams: [] });
  assert.equal((await new Api(BASE, again).call('GET', `/api/workspaces/${ws}/me`)).status, 200);
});

test('a password reset revokes the old sessions, open chat sockets included; resetting one\'s own returns a new token', async () => {
  const { id: ws, admin } = await freshWorkspace('reset', { agents: [ALICE, BOB], settings: { accept_timeout_ms: 60_000 } });
  const bobToken = await signIn(ws, BOB);
  const inbox = await openInbox(ws, bobToken);
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  await askForLiveChat(visitor);
  const { offer } = await inbox.waitFor(offeredFor(v.conversation), 10_000, 'offer to bob');
  inbox.send({ type: 'accept', offer: offer.offer });
  await inbox.waitFor((m) => m.type === 'chat_started' && m.chat.conversation === v.conversation, 5_000, 'chat_started');
  const chat = await openAgentChat(ws, v.conversation, bobToken);

  const t0 = Date.now();
  const reset = await admin.ok('POST', `/api/workspaces/${ws}/agents/${BOB.id}/password`, { password: 'a-brand-new-secret' });
  assert.equal(reset.ok, true);
  assert.equal(reset.token, undefined, 'no token for someone else');
  const [closed, chatClosed] = await Promise.all([closeOf(inbox, t0), closeOf(chat, t0)]);
  console.log(`  inbox closed ${closed.ms} ms, chat socket ${chatClosed.ms} ms after the reset was sent`);
  assert.equal(closed.code, 4001);
  assert.match(closed.reason, /password/i);
  assert.equal(chatClosed.code, 4001);
  assert.ok(chatClosed.ms < 1_000, `chat socket closed within 1 s (${chatClosed.ms} ms)`);
  await assertSignedOut(ws, bobToken, 'after a password reset, old token');
  let r = await refusedUpgrade(inboxUrl(ws, bobToken));
  assert.equal(r.status, 401);
  r = await refusedUpgrade(chatUrl(ws, v.conversation, bobToken));
  assert.equal(r.status, 401, `chat socket with the old token: ${r.status}`);
  const old = await new Api(BASE).call('POST', `/api/workspaces/${ws}/sessions`, { email: BOB.email, password: BOB.password });
  assert.equal(old.status, 401, 'the old password no longer signs in');
  const fresh = await signIn(ws, { ...BOB, password: 'a-brand-new-secret' });
  assert.equal((await new Api(BASE, fresh).call('GET', `/api/workspaces/${ws}/me`)).status, 200);
  // Signed in again, Bob still holds the chat and may open it.
  const back = await openAgentChat(ws, v.conversation, fresh);
  back.send({ type: 'say', client_id: 'after-reset', text: 'Still here.' });
  await back.waitFor((m) => m.type === 'ack' && m.client_id === 'after-reset', 5_000, 'ack');

  // Alice (an admin) resets her own password: her other sessions end, this one goes on with
  // the token in the answer.
  const aliceOther = await signIn(ws, ALICE);
  const aliceHere = await signIn(ws, ALICE);
  const own = await new Api(BASE, aliceHere).ok('POST', `/api/workspaces/${ws}/agents/${ALICE.id}/password`, { password: 'alice-new-secret' });
  assert.equal(own.ok, true);
  assert.match(own.token, /^v2\./);
  await assertSignedOut(ws, aliceOther, 'own reset, other session');
  await assertSignedOut(ws, aliceHere, 'own reset, the old token of this session');
  assert.equal((await new Api(BASE, own.token).call('GET', `/api/workspaces/${ws}/agents`)).status, 200);
});

test('tokens: new ones carry the epoch; a v1 token (epoch 0) is refused for an agent created with an epoch', async () => {
  const { id: ws } = await freshWorkspace('tokens');
  const token = await signIn(ws, BOB);
  const parts = token.split('.');
  assert.equal(parts.length, 7, token);
  assert.deepEqual(parts.slice(0, 4), ['v2', ws, BOB.id, 'agent']);
  assert.match(parts[4], /^[0-9]+$/);
  const { SESSION_SECRET } = devVars();
  const body = `v1.${ws}.${BOB.id}.agent.${Date.now() + 3_600_000}`;
  const v1 = `${body}.${createHmac('sha256', SESSION_SECRET).update(body).digest('hex')}`;
  await assertSignedOut(ws, v1, 'v1 token for an agent with an epoch');
  // The same epoch under a forged signature, or another epoch under the real one, is refused.
  const swapped = [...parts.slice(0, 4), String(Number(parts[4]) + 1), ...parts.slice(5)].join('.');
  await assertSignedOut(ws, swapped, 'epoch changed under the signature');
  assert.equal((await new Api(BASE, token).call('GET', `/api/workspaces/${ws}/me`)).status, 200);
});

test('a session that ends closes what it opened: the inbox and admin view by the alarm, a chat socket on its next frame, all with 4001', async () => {
  const { id: ws } = await freshWorkspace('session-end', { settings: { accept_timeout_ms: 60_000 } });
  // Alice's own token, re-signed to end 5 s from now (`v2.ws.agent.role.epoch.expiry.hmac`).
  const parts = (await signIn(ws, ALICE)).split('.');
  const { SESSION_SECRET } = devVars();
  const body = [...parts.slice(0, 5), String(Date.now() + 5_000)].join('.');
  const short = `${body}.${createHmac('sha256', SESSION_SECRET).update(body).digest('hex')}`;
  const inbox = await openInbox(ws, short);
  const view = await openAdmin(ws, short, { poke: true });
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  await askForLiveChat(visitor, { first_name: 'Kim', email: 'kim@example.com' });
  const { offer } = await inbox.waitFor(offeredFor(v.conversation), 10_000, 'offer');
  inbox.send({ type: 'accept', offer: offer.offer });
  await waitEntry(visitor, 'agent_joined');
  const chat = await openAgentChat(ws, v.conversation, short);

  // Nothing is sent on the inbox or the view: the workspace's alarm closes them at the end.
  const t0 = Date.now();
  const [closed, viewMs] = await Promise.all([closeOf(inbox, t0, 15_000), closeFrameOf(view, t0, 15_000)]);
  console.log(`  session ended: inbox closed after ${closed.ms} ms, admin view after ${viewMs} ms (ends ~5 s after signing)`);
  assert.equal(closed.code, 4001);
  assert.match(closed.reason, /expired after 12 hours/);
  await assertSignedOut(ws, short, 'an ended session');
  // The chat socket takes no frame after the end.
  chat.send({ type: 'say', client_id: 'late', text: 'still here?' });
  const chatClosed = await closeOf(chat, Date.now());
  assert.equal(chatClosed.code, 4001);
  assert.match(chatClosed.reason, /expired/);
  assert.equal(visitor.frames.filter((m) => m.type === 'entry' && m.entry.event === 'message').length, 0, 'nothing said after the end');
});
