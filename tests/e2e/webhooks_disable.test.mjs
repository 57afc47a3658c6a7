// An endpoint that fails for "a day" is disabled and the admins are emailed. The retry schedule
// is shrunk to its smallest (WEBHOOK_RETRY_BASE_MS=1: a day lasts 17.3 s), on its own server.
// Also: a disabled endpoint takes no test event or "Send again"; enabled again, it does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, freePort, devVars } from '../../scripts/lib/server.mjs';
import { Api, DEMO_AGENTS, demoDialogue, until, closeAllSockets } from './lib.mjs';
import { seedWorkspace } from '../../scripts/lib/demo.mjs';

// A failed test must not leave a socket open: it would keep this file's process alive.
after(closeAllSockets);

const [ALICE] = DEMO_AGENTS;
const OPERATOR = process.env.PARLOR_ADMIN_TOKEN || devVars().ADMIN_TOKEN;

let state, server, rx, rxBase;
const hits = [];
before(async () => {
  state = mkdtempSync(join(tmpdir(), 'parlor-webhooks-off-'));
  server = await startServer({ port: await freePort(), persistTo: state, vars: { WEBHOOKS_LOCAL: '1', WEBHOOK_RETRY_BASE_MS: '1' } });
  rx = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits.push({ id: req.headers['webhook-id'], at: Date.now() });
      res.writeHead(503);
      res.end();
    });
  });
  rxBase = await new Promise((r) => rx.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${rx.address().port}`)));
});
after(async () => {
  rx?.closeAllConnections?.();
  rx?.close();
  await server?.kill();
  rmSync(state, { recursive: true, force: true });
});

test('webhooks: a day of failures disables the endpoint and emails the admins', { timeout: 120_000 }, async () => {
  const base = server.url;
  const ws = `hooks-off-${Date.now().toString(36)}`;
  const key = await seedWorkspace(base, OPERATOR, {
    id: ws, agents: [ALICE], dialogue: demoDialogue(), settings: { notification_emails: ['ops@example.com'] },
  });
  const admin = new Api(base, key);
  const hooks = `/api/workspaces/${ws}/webhooks`;
  const { endpoint } = await admin.ok('POST', hooks, { url: `${rxBase}/down`, events: ['chat.ended'], description: 'Down' });
  const ping = await admin.ok('POST', `${hooks}/${endpoint.id}/test`);

  // Eight attempts over the shrunk day, then disabled.
  await until(async () => !(await admin.ok('GET', `${hooks}/${endpoint.id}`)).enabled,
    { timeout: 60_000, every: 500, what: 'the endpoint disabled' });
  const disabled = await admin.ok('GET', `${hooks}/${endpoint.id}`);
  assert.match(disabled.disabled_reason, /24 hours/);
  assert.equal(disabled.pending, 0);
  const tries = hits.filter((h) => h.id === ping.message);
  assert.equal(tries.length, 8, 'every attempt of the schedule was made');
  const log = (await admin.ok('GET', `${hooks}/${endpoint.id}/deliveries`)).deliveries;
  assert.deepEqual(log.map((l) => l.attempt).reverse(), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(log[0].next_retry, null, 'the last attempt gave up');

  // The admins (Alice, an admin agent) and the notification address got the email.
  const outbox = await admin.ok('GET', `/api/workspaces/${ws}/outbox`);
  const mail = outbox.map((r) => r.entry).find((e) => e?.subject === 'Parlor: a webhook endpoint was disabled');
  assert.ok(mail, `an email in the outbox: ${JSON.stringify(outbox).slice(0, 500)}`);
  assert.deepEqual(mail.to, [ALICE.email, 'ops@example.com']);
  assert.match(mail.body, new RegExp(`${rxBase}/down \\(Down\\)`));

  // Disabled: no test events, no "Send again"; enabled again, it is sent to.
  assert.equal((await admin.call('POST', `${hooks}/${endpoint.id}/test`)).status, 422);
  assert.equal((await admin.call('POST', `${hooks}/${endpoint.id}/deliveries/${log[0].delivery}/retry`)).status, 422);
  const on = await admin.ok('PATCH', `${hooks}/${endpoint.id}`, { enabled: true });
  assert.equal(on.enabled, true);
  assert.equal(on.disabled_reason, undefined);
  const again = await admin.call('POST', `${hooks}/${endpoint.id}/deliveries/${log[0].delivery}/retry`);
  assert.equal(again.status, 202);
  await until(() => hits.filter((h) => h.id === ping.message).length === 9, { what: 'sent again after re-enabling' });
});
