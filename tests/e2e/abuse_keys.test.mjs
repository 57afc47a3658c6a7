// The workspace admin key: exchanged for an admin-view session, rotated with a grace for the
// previous key, and never accepted from a URL outside a WebSocket upgrade.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, Api, Socket, wsUrl, freshWorkspace, closeAllSockets } from './lib.mjs';

afterEach(closeAllSockets);

const settingsOf = (ws) => `/api/workspaces/${ws}/settings`;
const status = async (ws, token) => (await new Api(BASE, token).call('GET', settingsOf(ws))).status;

test('the key is exchanged for a session; a token in the query string is refused outside a socket upgrade', async () => {
  const { id: ws, admin } = await freshWorkspace('keys-session');
  const session = await admin.ok('POST', `/api/workspaces/${ws}/admin-sessions`);
  assert.match(session.token, new RegExp(`^v2\\.${ws}\\.~key\\.admin\\.`));
  assert.ok(session.expires_at > Date.now());
  assert.equal(await status(ws, session.token), 200);
  // A session cannot mint sessions; agents have their own sign-in.
  const again = await new Api(BASE, session.token).call('POST', `/api/workspaces/${ws}/admin-sessions`);
  assert.equal(again.status, 400, JSON.stringify(again.body));

  const inUrl = await new Api(BASE).call('GET', `${settingsOf(ws)}?token=${encodeURIComponent(admin.token)}`);
  assert.equal(inUrl.status, 401, `?token= on a plain GET: ${inUrl.status}`);
  assert.equal(inUrl.body?.error, 'unauthorized');
  // On a WebSocket upgrade (a browser cannot set headers there) it still works.
  const view = await Socket.open(wsUrl(`/api/workspaces/${ws}/admin/ws?token=${encodeURIComponent(session.token)}`));
  view.close();
});

test('a rotated key keeps working for its grace, then is refused; sessions made from it end at once', async () => {
  const { id: ws, admin } = await freshWorkspace('keys-rotate');
  const oldKey = admin.token;
  const { token: session } = await admin.ok('POST', `/api/workspaces/${ws}/admin-sessions`);
  const view = await Socket.open(wsUrl(`/api/workspaces/${ws}/admin/ws?token=${encodeURIComponent(session)}`));
  view.send({ type: 'hello', v: 1 });

  const t0 = Date.now();
  const rotated = await new Api(BASE, session).ok('POST', `/api/workspaces/${ws}/admin-key`, { grace_seconds: 3 });
  assert.match(rotated.admin_key, /^wsk_[0-9a-f]{48}$/);
  assert.notEqual(rotated.admin_key, oldKey);
  assert.ok(rotated.previous_key_valid_until >= t0 + 3_000);
  assert.match(rotated.token, /^v2\./, 'the rotating admin view gets a fresh session');
  // Asked first: the grace is 3 s of wall time, and the waits below must not eat into it on a
  // loaded machine.
  assert.equal(await status(ws, oldKey), 200, 'the old key works during the grace');
  // But it neither rotates the key (locking out the admin who replaced it) nor opens an
  // admin-view session (which would outlive the grace).
  for (const path of ['admin-key', 'admin-sessions']) {
    const r = await new Api(BASE, oldKey).call('POST', `/api/workspaces/${ws}/${path}`, {});
    assert.equal(r.status, 403, `${path} with the previous key: ${JSON.stringify(r.body)}`);
    assert.match(r.body.message, /replaced/);
  }

  const closed = await view.waitFor(() => false, 2_000, 'nothing').catch(() => view.closed);
  assert.equal(closed?.code, 4001, `the key holder's admin view closes: ${JSON.stringify(closed)}`);
  assert.equal(await status(ws, session), 401, 'the old session ended');
  assert.equal(await status(ws, rotated.token), 200);
  assert.equal(await status(ws, rotated.admin_key), 200);

  const wait = rotated.previous_key_valid_until - Date.now() + 300;
  await new Promise((r) => setTimeout(r, Math.max(0, wait)));
  const after = await new Api(BASE, oldKey).call('GET', settingsOf(ws));
  console.log(`  old key: refused ${Date.now() - t0} ms after the rotation (grace 3 s) → ${after.status}`);
  assert.equal(after.status, 401);
  assert.equal(after.body?.error, 'unauthorized');

  // A compromised key: grace 0 refuses it at once; no body means the default grace.
  const now = await new Api(BASE, rotated.admin_key).ok('POST', `/api/workspaces/${ws}/admin-key`, { grace_seconds: 0 });
  assert.equal(now.previous_key_valid_until, null);
  assert.equal(await status(ws, rotated.admin_key), 401);
  const dflt = await new Api(BASE, now.admin_key).ok('POST', `/api/workspaces/${ws}/admin-key`);
  assert.ok(dflt.previous_key_valid_until > Date.now() + 23 * 3600_000, 'default grace: one day');
  assert.equal(await status(ws, now.admin_key), 200);
  const bad = await new Api(BASE, dflt.admin_key).call('POST', `/api/workspaces/${ws}/admin-key`, { grace: 5 });
  assert.equal(bad.status, 400, 'unknown fields are refused');
});
