// Outgoing webhooks end to end: a local receiver on 127.0.0.1 verifies the Standard Webhooks
// signature of every request for one chat's life (requested, accepted, ended with its
// transcript) and for a chat that is missed (declined by everyone). The receiver answers 500
// twice, then the server is SIGKILLed and started again on the same state, and only then does
// the receiver accept: each event arrives, and any repeat carries the same webhook-id and body.
// Also: URL validation (422 JSON), a hanging receiver (10 s timeout, logged and retried),
// 3xx and 4xx answers logged, "Send again", the test event, secret rotation, admin-only access.
// Runs its OWN server (own port, own state, a retry schedule shrunk by WEBHOOK_RETRY_BASE_MS).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, freePort, devVars } from '../../scripts/lib/server.mjs';
import {
  Api, DEMO_AGENTS, demoDialogue, signIn, openInbox, openAgentChat, startVisitor, openVisitor,
  askForLiveChat, waitEntry, closeAllSockets, until,
} from './lib.mjs';
import { seedWorkspace } from '../../scripts/lib/demo.mjs';

const [ALICE, BOB] = DEMO_AGENTS;
const OPERATOR = process.env.PARLOR_ADMIN_TOKEN || devVars().ADMIN_TOKEN;
// Attempts at once, after 0.4 s, then 24.4 s after the first (the standard 5 s, 5 min… scaled).
const VARS = { WEBHOOKS_LOCAL: '1', WEBHOOK_RETRY_BASE_MS: '400' };

/** Standard Webhooks verification, as docs/webhooks.md shows it. */
function verify(secret, headers, body) {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const header = headers['webhook-signature'] ?? '';
  if (!id || !ts || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = Buffer.from(createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64'));
  return header.split(' ').some((part) => {
    const [version, sig] = part.split(',');
    const given = Buffer.from(sig ?? '');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** A receiver: per path, secrets and what to answer: 'ok', 'fail2' (500 to the first two requests
 * of each webhook-id, then as 'ok'), 'hang', 'redirect', 'gone'. 'ok' answers 401 to a bad signature. */
function receiver() {
  const hits = [];
  const routes = {};
  const hanging = [];
  const srv = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const route = routes[req.url] ?? { mode: 'gone', secrets: [] };
      const verified = route.secrets.some((s) => verify(s, req.headers, body));
      const hit = { path: req.url, id: req.headers['webhook-id'], body, verified, at: Date.now(), answered: null };
      hits.push(hit);
      const answer = (status, headers = {}) => { hit.answered = status; res.writeHead(status, headers); res.end(); };
      const nth = hits.filter((h) => h.path === req.url && h.id === hit.id).length;
      switch (route.mode) {
        case 'ok': return answer(verified ? 204 : 401);
        case 'fail2': return answer(nth <= 2 ? 500 : verified ? 204 : 401);
        case 'redirect': return answer(302, { location: '/elsewhere' });
        case 'hang': hanging.push(res); return undefined;
        default: return answer(410);
      }
    });
  });
  return {
    hits, routes,
    listen: () => new Promise((r) => srv.listen(0, '127.0.0.1', () => r(srv.address().port))),
    close: () => { for (const res of hanging) res.destroy(); srv.closeAllConnections?.(); srv.close(); },
    of: (path) => hits.filter((h) => h.path === path),
  };
}

let state, port, server, rx, rxBase;
before(async () => {
  state = mkdtempSync(join(tmpdir(), 'parlor-webhooks-'));
  port = await freePort();
  server = await startServer({ port, persistTo: state, vars: VARS });
  rx = receiver();
  rxBase = `http://127.0.0.1:${await rx.listen()}`;
});
after(async () => {
  closeAllSockets();
  rx?.close();
  await server?.kill();
  rmSync(state, { recursive: true, force: true });
});
afterEach(closeAllSockets);

const events = (hits) => hits.map((h) => JSON.parse(h.body));

test('webhooks: signed events of a chat life and a missed chat, retried through failures and a restart', { timeout: 240_000 }, async () => {
  const base = server.url;
  const ws = `hooks-${Date.now().toString(36)}`;
  const key = await seedWorkspace(base, OPERATOR, {
    id: ws, agents: [ALICE, BOB], dialogue: demoDialogue(),
    settings: { accept_timeout_ms: 60_000, inactivity_timeout_ms: 300_000, notification_emails: ['ops@example.com'] },
  });
  const admin = new Api(base, key);
  const hooks = `/api/workspaces/${ws}/webhooks`;

  // Admins only.
  assert.equal((await new Api(base).call('GET', hooks)).status, 401);
  const bob = new Api(base, await signIn(ws, BOB, base));
  assert.equal((await bob.call('GET', hooks)).status, 403);

  // URL validation: 422 with words a person understands.
  const bad = [
    [{ url: 'ftp://example.com/hook', events: ['chat.ended'] }, /https/],
    [{ url: 'https://user:secret@example.com/hook', events: ['chat.ended'] }, /user name or password/],
    [{ url: 'http://example.com/hook', events: ['chat.ended'] }, /127\.0\.0\.1 or localhost/],
    [{ url: 'https://example.com/hook#part', events: ['chat.ended'] }, /fragment/],
    [{ url: `https://example.com/${'a'.repeat(2100)}`, events: ['chat.ended'] }, /2048/],
    [{ url: 'https://example.com/hook', events: [] }, /at least one event/],
    [{ url: 'https://example.com/hook', events: ['chat.nope'] }, /unknown event/],
  ];
  for (const [body, words] of bad) {
    const r = await admin.call('POST', hooks, body);
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.error, 'unprocessable');
    assert.match(r.body.message, words);
  }
  assert.equal((await admin.call('POST', hooks, { url: 'https://example.com', events: ['chat.ended'], extra: 1 })).status, 400);

  // The main endpoint fails twice per event; three more show timeouts, redirects and 4xx in the log.
  rx.routes['/main'] = { mode: 'fail2', secrets: [] };
  const created = await admin.call('POST', hooks, {
    url: `${rxBase}/main`, description: 'CRM', events: ['chat.requested', 'chat.accepted', 'chat.missed', 'chat.ended', 'lead.created'],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.match(created.body.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
  const main = created.body.endpoint;
  rx.routes['/main'].secrets.push(created.body.secret);
  const side = {};
  for (const [path, mode] of [['/hang', 'hang'], ['/redirect', 'redirect'], ['/gone', 'gone']]) {
    const r = await admin.ok('POST', hooks, { url: `${rxBase}${path}`, events: ['chat.requested'] });
    rx.routes[path] = { mode, secrets: [r.secret] };
    side[path] = r.endpoint;
  }
  const list = await admin.ok('GET', hooks);
  assert.equal(list.endpoints.length, 4);
  assert.ok(list.endpoints.every((e) => !('secret' in e)), 'the list never shows a secret');

  // Chat 1: requested, accepted, a few messages, ended by the visitor.
  const token = await signIn(ws, ALICE, base);
  const inbox = await openInbox(ws, token, base);
  const v1 = await startVisitor(ws, { base });
  const visitor = await openVisitor(v1.token, { base });
  await askForLiveChat(visitor, { first_name: 'Ada', email: 'ada@example.com' });
  const o1 = await inbox.waitFor((m) => m.type === 'offered' && m.offer.conversation === v1.conversation);
  inbox.send({ type: 'accept', offer: o1.offer.offer });
  await waitEntry(visitor, 'agent_joined');
  const agent = await openAgentChat(ws, v1.conversation, token, { base });
  visitor.send({ type: 'say', client_id: 'v1', text: 'Hello, is the <b>pro</b> plan monthly?' });
  await waitEntry(agent, 'message', (e) => e.client_id === 'v1');
  agent.send({ type: 'say', client_id: 'a1', text: 'Yes, billed monthly.' });
  await waitEntry(visitor, 'message', (e) => e.client_id === 'a1');
  visitor.send({ type: 'end' });
  await waitEntry(visitor, 'ended');

  // Each of the four events (the visitor gave an email: a new lead) fails twice (500) at the
  // main endpoint, as its log records…
  await until(async () => {
    const lines = (await admin.ok('GET', `${hooks}/${main.id}/deliveries`)).deliveries;
    const failed = {};
    for (const l of lines) if (l.outcome.code === 500) failed[l.event] = (failed[l.event] ?? 0) + 1;
    return ['chat.requested', 'chat.accepted', 'chat.ended', 'lead.created'].every((t) => failed[t] === 2);
  }, { timeout: 20_000, every: 200, what: 'two failed attempts of each event in the log' });
  assert.ok(rx.of('/main').every((h) => h.answered === 500), 'no third attempt yet');
  const failedBeforeRestart = rx.of('/main').length;

  // …then the server dies and comes back on the same state before any third attempt is due.
  await server.kill();
  const tRestart = Date.now();
  server = await startServer({ port, persistTo: state, vars: VARS });
  console.log(`  server back ${Date.now() - tRestart} ms after SIGKILL; ${failedBeforeRestart} failed attempts before`);
  const delivered = (type, pred = () => true) => rx.of('/main').some((h) => h.answered === 204 && JSON.parse(h.body).type === type && pred(JSON.parse(h.body)));
  await until(() => ['chat.requested', 'chat.accepted', 'chat.ended', 'lead.created'].every((t) => delivered(t)),
    { timeout: 60_000, what: 'the four events delivered after the restart' }).catch((e) => {
    console.log(rx.of('/main').map((h) => `${h.id} ${JSON.parse(h.body).type} → ${h.answered} verified=${h.verified}`).join('\n'));
    console.log(server.output().slice(-5000));
    throw e;
  });
  console.log(`  all four delivered ${Date.now() - tRestart} ms after the restart`);
  assert.ok(rx.of('/main').filter((h) => h.answered === 204).every((h) => h.at > tRestart), 'delivered only after the restart');

  // Chat 2 (the receiver now answers at once): Alice declines, nobody else can: missed.
  rx.routes['/main'].mode = 'ok';
  const inbox2 = await openInbox(ws, token, base);
  const v2 = await startVisitor(ws, { base });
  const visitor2 = await openVisitor(v2.token, { base });
  await askForLiveChat(visitor2, { first_name: 'Mo', email: 'mo@example.com' });
  const o2 = await inbox2.waitFor((m) => m.type === 'offered' && m.offer.conversation === v2.conversation);
  inbox2.send({ type: 'decline', offer: o2.offer.offer });
  await waitEntry(visitor2, 'fallback');
  await until(() => delivered('chat.missed') && delivered('lead.created', (e) => e.data.lead.email === 'mo@example.com'),
    { timeout: 20_000, what: 'chat.missed and the second lead delivered' });

  // Every request was signed correctly; repeats share their webhook-id and body.
  const mainHits = rx.of('/main');
  assert.ok(mainHits.every((h) => h.verified), 'every signature verifies');
  const bodiesById = new Map();
  for (const h of mainHits) {
    if (bodiesById.has(h.id)) assert.equal(h.body, bodiesById.get(h.id), 'a repeat carries the same body');
    bodiesById.set(h.id, h.body);
  }
  const idOf = new Map();
  for (const [id, body] of bodiesById) {
    const e = JSON.parse(body);
    const k = `${e.type} ${e.data.conversation_id ?? e.data.lead.email}`;
    assert.ok(!idOf.has(k) || idOf.get(k) === id, `${k} was sent under two webhook-ids`);
    idOf.set(k, id);
  }
  const ok = events(mainHits.filter((h) => h.answered === 204));
  const one = (type, conv) => ok.find((e) => e.type === type && e.data.conversation_id === conv);
  assert.equal(one('chat.requested', v1.conversation).data.visitor.first_name, 'Ada');
  const accepted = one('chat.accepted', v1.conversation);
  assert.deepEqual(accepted.data.agent, { id: 'alice', name: ALICE.name });
  assert.ok(accepted.data.waited_ms >= 0 && accepted.data.waited_ms < 30_000);
  const ended = one('chat.ended', v1.conversation);
  assert.equal(ended.data.reason, 'ended_by_visitor');
  assert.deepEqual(ended.data.transcript.map((l) => [l.author.kind, l.author.name, l.text]), [
    ['visitor', 'Ada', 'Hello, is the <b>pro</b> plan monthly?'],
    ['agent', ALICE.name, 'Yes, billed monthly.'],
  ]);
  assert.match(ended.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  // One lead.created per new email, carrying the lead as the Leads API shows it.
  const leads = ok.filter((e) => e.type === 'lead.created');
  assert.deepEqual([...new Set(leads.map((e) => e.data.lead.email))].sort(), ['ada@example.com', 'mo@example.com']);
  const ada = leads.find((e) => e.data.lead.email === 'ada@example.com').data.lead;
  assert.equal(ada.fields.first_name, 'Ada');
  assert.equal(ada.last_conversation, v1.conversation);
  const missed = one('chat.missed', v2.conversation);
  assert.equal(missed.data.reason, 'declined_by_all');
  assert.equal(missed.data.visitor.first_name, 'Mo');
  assert.ok(one('chat.requested', v2.conversation));

  // The log: two 500s, then delivered at the third attempt.
  const log = (await admin.ok('GET', `${hooks}/${main.id}/deliveries`)).deliveries;
  const endedLines = log.filter((l) => l.message === idOf.get(`chat.ended ${v1.conversation}`)).reverse();
  assert.deepEqual(endedLines.slice(0, 3).map((l) => [l.attempt, l.outcome.code]), [[1, 500], [2, 500], [3, 204]]);
  assert.equal(typeof endedLines[0].next_retry, 'number', 'a failure names its next retry');
  assert.ok(endedLines[1].next_retry > endedLines[1].at + 20_000, 'the third attempt is due ~24 s after the first');
  assert.ok(endedLines[2].at >= endedLines[1].next_retry, 'no attempt before it was due');
  assert.equal(endedLines[2].next_retry, null, 'delivered: no retry');
  assert.equal(endedLines[2].result, 'delivered (204)');

  // A receiver that hangs: abandoned after 10 s, logged as a timeout, retried.
  await until(async () => (await admin.ok('GET', `${hooks}/${side['/hang'].id}/deliveries`)).deliveries.some((l) => l.outcome.kind === 'timeout'),
    { timeout: 40_000, every: 1000, what: 'a timeout in the log' });
  const hangLog = (await admin.ok('GET', `${hooks}/${side['/hang'].id}/deliveries`)).deliveries;
  const timeout = hangLog.find((l) => l.outcome.kind === 'timeout');
  assert.ok(timeout.duration_ms >= 9_500 && timeout.duration_ms < 15_000, `timeout after ${timeout.duration_ms} ms`);
  assert.ok(timeout.next_retry, 'a timeout is retried');
  assert.match(timeout.result, /10 seconds/);
  // 3xx is not followed and counts as a failure; 4xx is logged.
  const redirects = (await admin.ok('GET', `${hooks}/${side['/redirect'].id}/deliveries`)).deliveries;
  assert.ok(redirects.length >= 1 && redirects.every((l) => l.outcome.code === 302 && l.next_retry));
  assert.match(redirects[0].result, /not followed/);
  assert.ok(rx.of('/elsewhere').length === 0, 'the redirect was not followed');
  const gone = (await admin.ok('GET', `${hooks}/${side['/gone'].id}/deliveries`)).deliveries;
  assert.ok(gone.some((l) => l.outcome.code === 410));

  // "Send again" of a delivered event: the same webhook-id once more.
  const again = endedLines[2];
  const before = rx.of('/main').filter((h) => h.id === again.message).length;
  const r = await admin.call('POST', `${hooks}/${main.id}/deliveries/${again.delivery}/retry`);
  assert.equal(r.status, 202, JSON.stringify(r.body));
  await until(() => rx.of('/main').filter((h) => h.id === again.message).length === before + 1, { what: 'sent again' });
  assert.equal(rx.of('/main').filter((h) => h.id === again.message).at(-1).answered, 204);
  assert.equal((await admin.call('POST', `${hooks}/${main.id}/deliveries/999999/retry`)).status, 404);

  // Rotating the secret: the next request verifies with the new one only.
  const rotated = await admin.ok('POST', `${hooks}/${main.id}/secret`);
  assert.notEqual(rotated.secret, created.body.secret);
  rx.routes['/main'].secrets = [rotated.secret];
  const ping = await admin.call('POST', `${hooks}/${main.id}/test`);
  assert.equal(ping.status, 202);
  await until(() => rx.of('/main').some((h) => h.id === ping.body.message && h.answered === 204), { what: 'test event' });
  assert.equal(JSON.parse(rx.of('/main').find((h) => h.id === ping.body.message).body).type, 'webhook.test');

  // Disable, re-enable, delete.
  const off = await admin.ok('PATCH', `${hooks}/${side['/hang'].id}`, { enabled: false });
  assert.equal(off.enabled, false);
  assert.equal(off.pending, 0, 'a disabled endpoint has nothing pending');
  assert.equal((await admin.call('POST', `${hooks}/${side['/hang'].id}/test`)).status, 422);
  assert.equal((await admin.ok('PATCH', `${hooks}/${side['/hang'].id}`, { enabled: true })).enabled, true);
  assert.equal((await admin.call('PATCH', `${hooks}/${side['/hang'].id}`, { url: 'http://example.com' })).status, 422);
  for (const e of Object.values(side)) await admin.ok('DELETE', `${hooks}/${e.id}`);
  assert.equal((await admin.call('GET', `${hooks}/${side['/gone'].id}/deliveries`)).status, 404);
  assert.equal((await admin.ok('GET', hooks)).endpoints.length, 1);
});
