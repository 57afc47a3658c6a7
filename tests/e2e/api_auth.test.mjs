// Who may call what, over the API, no browser: missing and wrong credentials, another
// workspace's agents and keys, conversations that are not yours.
import { test, before, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, Api, freshWorkspace, DEMO_AGENTS, signIn, openInbox, startVisitor, openVisitor,
  askForLiveChat, waitEntry, refusedUpgrade, wsUrl, closeAllSockets,
} from './lib.mjs';

const [ALICE, BOB] = DEMO_AGENTS;
afterEach(closeAllSockets);

let A, B, aliceA, bobA, aliceB;
before(async () => {
  A = await freshWorkspace('auth-a');
  B = await freshWorkspace('auth-b');
  aliceA = await signIn(A.id, ALICE);
  bobA = await signIn(A.id, BOB);
  aliceB = await signIn(B.id, ALICE);
});

/** Asserts a JSON error response with this status (and never a 5xx). */
function assertError(r, status, label) {
  assert.equal(r.status, status, `${label}: ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(typeof r.body?.error, 'string', `${label}: JSON error body`);
  assert.equal(typeof r.body?.message, 'string', `${label}: JSON error message`);
}

const ADMIN_PATHS = (ws) => ['conversations', 'audit', 'outbox', 'settings', 'agents'].map((p) => `/api/workspaces/${ws}/${p}`);

test('admin endpoints: missing or wrong credentials → 401 JSON', async () => {
  const bad = {
    missing: undefined,
    'unknown workspace key': 'wsk_000000000000000000000000000000000000000000000000',
    'garbage token': 'hello',
    'forged session': `v1.${A.id}.alice.admin.${Date.now() + 3_600_000}.deadbeef`,
    'wrong operator token': 'op_nope',
  };
  for (const path of ADMIN_PATHS(A.id)) {
    for (const [label, token] of Object.entries(bad)) {
      assertError(await new Api(BASE, token).call('GET', path), 401, `${label} on ${path}`);
    }
  }
  // The right key works.
  assert.ok(Array.isArray(await A.admin.ok('GET', `/api/workspaces/${A.id}/conversations`)));
  // A wrong password does not sign in.
  assertError(await new Api(BASE).call('POST', `/api/workspaces/${A.id}/sessions`, { email: ALICE.email, password: 'not-the-password' }), 401, 'bad password');
});

test('sockets: missing or wrong tokens refuse the upgrade with 401', async () => {
  const cases = {
    'inbox, no token': `/api/workspaces/${A.id}/inbox/ws`,
    'inbox, forged session': `/api/workspaces/${A.id}/inbox/ws?token=v1.${A.id}.alice.agent.${Date.now() + 3_600_000}.00`,
    'inbox, admin key of another workspace': `/api/workspaces/${A.id}/inbox/ws?token=wsk_0000`,
    'admin view, no token': `/api/workspaces/${A.id}/admin/ws`,
    'visitor, no token': '/api/visitor/ws',
    'visitor, garbage token': '/api/visitor/ws?token=zzz',
    'visitor, unknown conversation': `/api/visitor/ws?token=${'ab'.repeat(16)}.${'cd'.repeat(24)}`,
    'agent chat, no token': `/api/workspaces/${A.id}/conversations/${'ab'.repeat(16)}/ws`,
  };
  for (const [label, path] of Object.entries(cases)) {
    const r = await refusedUpgrade(wsUrl(path));
    assert.equal(r.status, 401, `${label}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(r.body?.error, 'unauthorized', `${label}: JSON body`);
  }
});

test("an agent of workspace A on workspace B's endpoints → 403; A's admin key on B → 401", async () => {
  for (const path of [...ADMIN_PATHS(B.id), `/api/workspaces/${B.id}/me`]) {
    assertError(await new Api(BASE, aliceA).call('GET', path), 403, `alice@A on ${path}`);
    const r = await A.admin.call('GET', path);
    assert.ok([401, 403].includes(r.status), `A's key on ${path}: ${r.status}`);
    assert.equal(typeof r.body.error, 'string');
  }
  const r = await refusedUpgrade(wsUrl(`/api/workspaces/${B.id}/inbox/ws?token=${aliceA}`));
  assert.equal(r.status, 403, `alice@A on B's inbox socket: ${r.status}`);
  // A non-admin agent may not read the admin views of their own workspace either.
  for (const path of ['audit', 'outbox', 'settings', 'agents', 'conversations']) {
    assertError(await new Api(BASE, bobA).call('GET', `/api/workspaces/${A.id}/${path}`), 403, `bob (agent role) on ${path}`);
  }
});

test('conversations: another workspace\'s id → 404, a chat you do not hold → 403, a visitor token opens only its own', async () => {
  const inbox = await openInbox(B.id, aliceB);
  const vb = await startVisitor(B.id);
  const visitorB = await openVisitor(vb.token);
  await askForLiveChat(visitorB);
  // B's round robin may pick either agent; sign Bob into B too so whoever is offered accepts.
  const bobB = await signIn(B.id, BOB);
  const inboxBob = await openInbox(B.id, bobB);
  const offered = await Promise.any([inbox, inboxBob].map((s) => s.waitFor((m) => m.type === 'offered' && m.offer.conversation === vb.conversation).then((m) => [s, m])));
  offered[0].send({ type: 'accept', offer: offered[1].offer.offer });
  await waitEntry(visitorB, 'agent_joined');
  const holder = offered[0] === inbox ? { id: ALICE.id, token: aliceB } : { id: BOB.id, token: bobB };
  const other = holder.id === ALICE.id ? bobB : aliceB;

  // Through workspace A, B's conversation does not exist.
  assertError(await A.admin.call('GET', `/api/workspaces/${A.id}/conversations/${vb.conversation}`), 404, "B's conversation via A");
  assertError(await new Api(BASE, aliceA).call('GET', `/api/workspaces/${A.id}/conversations/${vb.conversation}`), 404, "B's conversation via A (agent)");
  let r = await refusedUpgrade(wsUrl(`/api/workspaces/${A.id}/conversations/${vb.conversation}/ws?token=${aliceA}`));
  assert.equal(r.status, 404, `A's agent on B's chat socket through A: ${r.status}`);

  // The agent who does not hold the chat: 403 on its socket and its transcript.
  r = await refusedUpgrade(wsUrl(`/api/workspaces/${B.id}/conversations/${vb.conversation}/ws?token=${other}`));
  assert.equal(r.status, 403, `non-holder on the chat socket: ${r.status}`);
  const nonHolderIsAdmin = other === aliceB; // Alice has the admin role
  const detail = await new Api(BASE, other).call('GET', `/api/workspaces/${B.id}/conversations/${vb.conversation}`);
  assert.equal(detail.status, nonHolderIsAdmin ? 200 : 403, `non-holder reading the transcript (${nonHolderIsAdmin ? 'admin' : 'agent'} role)`);
  // The holder may.
  assert.equal((await new Api(BASE, holder.token).call('GET', `/api/workspaces/${B.id}/conversations/${vb.conversation}`)).status, 200);

  // A visitor token for X cannot open Y (X's secret with Y's id).
  const va = await startVisitor(A.id);
  const secretA = va.token.split('.')[1];
  r = await refusedUpgrade(wsUrl(`/api/visitor/ws?token=${vb.conversation}.${secretA}`));
  assert.equal(r.status, 401, `X's secret on Y: ${r.status}`);
  // …nor resume it through the start endpoint: a new conversation is created instead.
  const resumed = await new Api(BASE).ok('POST', '/api/visitor/conversations', { workspace: B.id, page_url: 'https://www.example.com/', token: `${vb.conversation}.${secretA}` });
  assert.equal(resumed.resumed, false);
  assert.notEqual(resumed.conversation, vb.conversation);
  // The real token resumes.
  const again = await new Api(BASE).ok('POST', '/api/visitor/conversations', { workspace: B.id, page_url: 'https://www.example.com/', token: vb.token });
  assert.equal(again.resumed, true);
  assert.equal(again.conversation, vb.conversation);
  // A's token resumes nothing in B.
  const cross = await new Api(BASE).ok('POST', '/api/visitor/conversations', { workspace: B.id, page_url: 'https://www.example.com/', token: va.token });
  assert.equal(cross.resumed, false);
});
