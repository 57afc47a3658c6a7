// Canned replies against the real stack: workspace-wide replies written by admins, personal
// ones by their agent (invisible to everyone else), bad input refused with words.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { freshWorkspace, DEMO_AGENTS, Api, BASE, signIn, closeAllSockets } from './lib.mjs';

afterEach(closeAllSockets);

const [ALICE, BOB] = DEMO_AGENTS;
const path = (ws, rest = '') => `/api/workspaces/${ws}/canned-replies${rest}`;

test('the canned replies API: who sees and changes what, and what it refuses', async () => {
  const { id: ws, admin } = await freshWorkspace('canned-api');
  const bob = new Api(BASE, await signIn(ws, BOB));
  const alice = new Api(BASE, await signIn(ws, ALICE));

  // An admin (the workspace key) adds a workspace-wide reply.
  const hello = await admin.call('POST', path(ws), { shortcut: 'hello', text: '  Hi {first_name}, I am {agent_name}.  ', scope: 'workspace' });
  assert.equal(hello.status, 201, JSON.stringify(hello.body));
  assert.deepEqual({ ...hello.body, id: undefined }, { id: undefined, shortcut: 'hello', text: 'Hi {first_name}, I am {agent_name}.', scope: 'workspace' });
  assert.match(hello.body.id, /^cr_[0-9a-f]+$/);

  // Bob adds a personal one; he sees both, Alice (an admin) and the key see only the workspace's.
  const mine = await bob.ok('POST', path(ws), { shortcut: 'bob-only', text: 'A secret of Bob', scope: 'personal' });
  assert.equal(mine.scope, 'personal');
  const shortcuts = async (api) => (await api.ok('GET', path(ws))).replies.map((r) => r.shortcut);
  assert.deepEqual(await shortcuts(bob), ['bob-only', 'hello']);
  assert.deepEqual(await shortcuts(alice), ['hello']);
  assert.deepEqual(await shortcuts(admin), ['hello']);

  // Refusals, with a JSON body a person can read.
  const refused = async (api, method, rest, body, status, words) => {
    const r = await api.call(method, path(ws, rest), body);
    assert.equal(r.status, status, `${method} ${rest} ${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(typeof r.body.error, 'string');
    assert.equal(typeof r.body.message, 'string');
    if (words) assert.match(r.body.message, words);
    return r.body;
  };
  // An agent cannot write workspace-wide replies; the key has no personal ones.
  await refused(bob, 'POST', '', { shortcut: 'team', text: 'Hi', scope: 'workspace' }, 403);
  await refused(admin, 'POST', '', { shortcut: 'mine', text: 'Hi', scope: 'personal' }, 403);
  // Broken rules: 422 naming the rule.
  const bad = await refused(bob, 'POST', '', { shortcut: 'Bad Shortcut', text: 'Hi', scope: 'personal' }, 422, /shortcut/i);
  assert.equal(bad.error, 'unprocessable');
  await refused(bob, 'POST', '', { shortcut: 'x'.repeat(33), text: 'Hi', scope: 'personal' }, 422, /shortcut/);
  await refused(bob, 'POST', '', { shortcut: 'empty', text: '   ', scope: 'personal' }, 422, /empty/);
  await refused(bob, 'POST', '', { shortcut: 'long', text: 'x'.repeat(2001), scope: 'personal' }, 422, /2001 bytes/);
  await refused(bob, 'POST', '', { shortcut: 'noscope', text: 'Hi' }, 422, /scope/);
  await refused(bob, 'POST', '', { shortcut: 'x', text: 'Hi', scope: 'team' }, 400);
  await refused(bob, 'POST', '', '{not json', 400);
  // Shortcuts are unique within what one agent sees: 409.
  const dup = await refused(bob, 'POST', '', { shortcut: 'hello', text: 'Hey', scope: 'personal' }, 409, /\/hello/);
  assert.equal(dup.error, 'conflict');
  await refused(admin, 'POST', '', { shortcut: 'bob-only', text: 'Hey', scope: 'workspace' }, 409);
  // Alice may use a shortcut Bob uses for himself.
  await alice.ok('POST', path(ws), { shortcut: 'bob-only', text: 'Alice too', scope: 'personal' });

  // Bob's personal reply does not exist for anyone else, admins included.
  await refused(alice, 'PUT', `/${mine.id}`, { shortcut: 'x', text: 'y' }, 404);
  await refused(admin, 'DELETE', `/${mine.id}`, undefined, 404);
  // The workspace's reply: agents read it, only admins change it.
  await refused(bob, 'PUT', `/${hello.body.id}`, { shortcut: 'hello', text: 'Changed' }, 403);
  await refused(bob, 'DELETE', `/${hello.body.id}`, undefined, 403);
  const changed = await alice.ok('PUT', path(ws, `/${hello.body.id}`), { shortcut: 'hello', text: 'Hello {first_name}!' });
  assert.equal(changed.text, 'Hello {first_name}!');
  await refused(alice, 'PUT', `/${hello.body.id}`, { shortcut: 'hello', text: 'x', scope: 'personal' }, 422, /scope/);
  // Bob changes and deletes his own.
  const renamed = await bob.ok('PUT', path(ws, `/${mine.id}`), { shortcut: 'bob-2', text: 'Renamed' });
  assert.equal(renamed.shortcut, 'bob-2');
  await refused(bob, 'PUT', `/${mine.id}`, { shortcut: 'hello', text: 'x' }, 409);
  assert.deepEqual(await bob.ok('DELETE', path(ws, `/${mine.id}`)), { deleted: mine.id });
  await refused(bob, 'DELETE', `/${mine.id}`, undefined, 404);
  assert.deepEqual(await shortcuts(bob), ['hello']);
  // Without credentials: 401; a wrong method: 405.
  assert.equal((await new Api(BASE).call('GET', path(ws))).status, 401);
  assert.equal((await bob.call('PATCH', path(ws))).status, 405);
});
