// Web Push against the real stack. A push receiver on this machine stands in for a browser's
// push service: it takes the server's POST, checks its VAPID signature (RFC 8292) and decrypts
// the payload with the subscription's private key (RFC 8291), as a browser would. An agent
// with push and no inbox open is offered a chat by notification and accepts it from the inbox
// the notification opens; a device the push service no longer knows is dropped. In Chromium,
// the inbox's service worker shows a pushed offer and closes it when the offer is gone.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import {
  createECDH, createDecipheriv, createPublicKey, hkdfSync, randomBytes, verify,
} from 'node:crypto';
import {
  Api, BASE, freshWorkspace, DEMO_AGENTS, signIn, openInbox, startVisitor, openVisitor,
  askForLiveChat, waitEntry, closeAllSockets, launchBrowser, until,
} from './lib.mjs';
import { signInInbox } from './inbox-lib.mjs';

afterEach(closeAllSockets);
let chromium;
after(async () => { await chromium?.close(); });

const [ALICE, BOB] = DEMO_AGENTS;
const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** A push service on loopback: records each POST; `/gone/…` answers 410 like an expired one. */
let receiver;
let hits = [];
before(async () => {
  receiver = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      hits.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(req.url.startsWith('/gone/') ? 410 : 201).end();
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
});
after(() => new Promise((r) => receiver.close(r)));

/** A browser's side of a subscription: its key pair and auth secret, and what it would send. */
function device(path) {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const auth = randomBytes(16);
  const endpoint = `http://127.0.0.1:${receiver.address().port}${path}`;
  return { ecdh, auth, endpoint, json: { endpoint, expirationTime: null, keys: { p256dh: b64url(ecdh.getPublicKey()), auth: b64url(auth) } } };
}

/** RFC 8291 decryption, as the browser does it: one aes128gcm record (RFC 8188). */
function decrypt(dev, body) {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20];
  const asPublic = body.subarray(21, 21 + idlen);
  const record = body.subarray(21 + idlen);
  assert.ok(record.length <= rs, 'one record');
  const shared = dev.ecdh.computeSecret(asPublic);
  const info = Buffer.concat([Buffer.from('WebPush: info\0'), dev.ecdh.getPublicKey(), asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', shared, dev.auth, info, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const d = createDecipheriv('aes-128-gcm', cek, nonce);
  d.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([d.update(record.subarray(0, record.length - 16)), d.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  assert.equal(padded[end], 2, 'the last record ends with the delimiter 0x02');
  return JSON.parse(padded.subarray(0, end).toString('utf8'));
}

/** RFC 8292: `vapid t=<ES256 JWT>, k=<public key>`; returns the JWT's claims once verified. */
function verifyVapid(authorization, serverKey) {
  const m = authorization.match(/^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/);
  assert.ok(m, `a VAPID authorization: ${authorization}`);
  const [, jwt, k] = m;
  assert.equal(k, serverKey, 'signed with the key /api/push/key publishes');
  const raw = Buffer.from(k, 'base64url');
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64url(raw.subarray(1, 33)), y: b64url(raw.subarray(33, 65)) }, format: 'jwk' });
  const [h, c, s] = jwt.split('.');
  assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url')), { typ: 'JWT', alg: 'ES256' });
  const ok = verify('sha256', Buffer.from(`${h}.${c}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  assert.ok(ok, 'the JWT signature verifies');
  return JSON.parse(Buffer.from(c, 'base64url'));
}

test('an agent with push and no inbox open is offered a chat by notification and accepts it', async () => {
  const { id: ws } = await freshWorkspace('push-offer');
  const api = new Api(BASE);
  const key = await api.call('GET', '/api/push/key');
  assert.equal(key.status, 200);
  assert.equal(Buffer.from(key.body.public_key, 'base64url').length, 65, 'an uncompressed P-256 point');

  // Alice works in the inbox in Chromium, notifications allowed.
  chromium = await launchBrowser();
  const ctx = await chromium.newContext();
  await ctx.grantPermissions(['notifications'], { origin: BASE });
  const page = await signInInbox(ctx, ws, ALICE);
  const token = await signIn(ws, ALICE);
  const dev = device('/push/alice');
  const authed = new Api(BASE, token);
  // Bad subscriptions are refused in words: no keys, a bad key, a non-http endpoint.
  const noKeys = await authed.call('PUT', `/api/workspaces/${ws}/me/push`, { endpoint: dev.endpoint });
  assert.equal(noKeys.status, 400);
  assert.match(noKeys.body.message, /no keys/);
  const badKey = await authed.call('PUT', `/api/workspaces/${ws}/me/push`, { ...dev.json, keys: { ...dev.json.keys, p256dh: b64url(randomBytes(65)) } });
  assert.equal(badKey.status, 400);
  const ftp = await authed.call('PUT', `/api/workspaces/${ws}/me/push`, { ...dev.json, endpoint: 'ftp://127.0.0.1/x' });
  assert.equal(ftp.status, 400);
  assert.equal((await new Api(BASE).call('PUT', `/api/workspaces/${ws}/me/push`, dev.json)).status, 401);
  const stored = await authed.call('PUT', `/api/workspaces/${ws}/me/push`, dev.json);
  assert.equal(stored.status, 200, JSON.stringify(stored.body));
  assert.deepEqual(stored.body, { devices: 1 });

  // The tab closes. Nobody else is online: a notification is the only way to reach anyone.
  await page.close();
  await new Promise((r) => setTimeout(r, 500));
  hits = [];
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  await askForLiveChat(visitor, { first_name: 'Nia', email: 'nia@example.com' });
  await until(() => hits.some((h) => h.path === '/push/alice'), { timeout: 15_000, what: 'a push to alice' });
  const hit = hits.find((h) => h.path === '/push/alice');
  assert.equal(hit.headers['content-encoding'], 'aes128gcm');
  assert.equal(hit.headers.urgency, 'high');
  const ttl = Number(hit.headers.ttl);
  assert.ok(ttl > 0 && ttl <= 100, `TTL within the accept timeout (${ttl})`);
  const claims = verifyVapid(hit.headers.authorization, key.body.public_key);
  assert.equal(claims.aud, `http://127.0.0.1:${receiver.address().port}`, 'aud is the push service origin');
  assert.ok(claims.exp * 1000 > Date.now() && claims.exp * 1000 <= Date.now() + 24 * 3600_000, 'exp within 24 h');
  assert.match(claims.sub, /^(mailto:|https:)/);
  const msg = decrypt(dev, hit.body);
  assert.equal(msg.type, 'offer');
  assert.equal(msg.workspace, ws);
  assert.equal(msg.conversation, v.conversation);
  assert.equal(msg.title, 'New live chat request');
  assert.match(msg.body, /Nia · nia@example\.com/);
  assert.doesNotMatch(hit.body.toString('latin1'), /nia@example/, 'the push service sees no visitor data');

  // A click on the notification opens the inbox on the offer (the URL the service worker
  // opens): the banner is there with its Accept button focused, and Enter takes the chat.
  const opened = await ctx.newPage();
  await opened.goto(`${BASE}/inbox?offer=${msg.offer}&workspace=${encodeURIComponent(ws)}`);
  const accept = opened.locator('.offer').getByRole('button', { name: 'Accept' });
  await accept.waitFor({ timeout: 15_000 });
  await until(() => opened.evaluate(() => document.activeElement?.textContent === 'Accept'), { what: 'Accept focused' });
  await opened.keyboard.press('Enter');
  await waitEntry(visitor, 'agent_joined', (e) => e.agent.name === ALICE.name);

  // Turning notifications off drops the device.
  const off = await authed.call('DELETE', `/api/workspaces/${ws}/me/push?endpoint=${encodeURIComponent(dev.endpoint)}`);
  assert.deepEqual(off.body, { devices: 0 });
});

test('a device the push service no longer knows (410) is dropped, and its agent is no longer reachable', async () => {
  const { id: ws } = await freshWorkspace('push-gone');
  const token = await signIn(ws, BOB);
  const inbox = await openInbox(ws, token);
  const dev = device('/gone/bob');
  const stored = await new Api(BASE, token).call('PUT', `/api/workspaces/${ws}/me/push`, dev.json);
  assert.deepEqual(stored.body, { devices: 1 });
  inbox.close();
  await new Promise((r) => setTimeout(r, 500));
  hits = [];
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  await askForLiveChat(visitor);
  await until(() => hits.some((h) => h.path === '/gone/bob'), { timeout: 15_000, what: 'a push to bob' });
  // Unreachable now: the offer moves on once the reconnect grace is over; nobody else is
  // online, so the visitor gets the fallback rather than waiting out the accept timeout.
  await waitEntry(visitor, 'fallback', () => true, 30_000);
  // A second visitor is not offered to Bob at all, and no push is tried.
  hits = [];
  const v2 = await startVisitor(ws);
  const visitor2 = await openVisitor(v2.token);
  await askForLiveChat(visitor2);
  await waitEntry(visitor2, 'fallback', () => true, 15_000);
  assert.equal(hits.length, 0, 'the dropped device gets nothing');
});

test('in Chromium the inbox\'s service worker shows a pushed offer and closes it when the offer is gone', async () => {
  const { id: ws } = await freshWorkspace('push-sw');
  const browser = await launchBrowser();
  try {
    const ctx = await browser.newContext();
    await ctx.grantPermissions(['notifications'], { origin: BASE });
    const page = await signInInbox(ctx, ws, ALICE);
    // With notifications allowed, the inbox registers its service worker for push.
    const cdp = await ctx.newCDPSession(page);
    const registrations = [];
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => registrations.push(...e.registrations));
    await cdp.send('ServiceWorker.enable');
    await until(async () => page.evaluate(async () => {
      const r = await navigator.serviceWorker.getRegistration('/inbox');
      // `active` is set from "activating" on; a push reaches only an activated worker.
      return r?.active?.state === 'activated';
    }), { timeout: 15_000, what: 'the inbox service worker is activated' });
    const live = (r) => r.scopeURL.endsWith('/inbox') && !r.isDeleted;
    await until(() => registrations.some(live), { what: 'registration id' });
    const { registrationId } = registrations.findLast(live);
    const origin = new URL(BASE).origin;
    const offer = { type: 'offer', workspace: ws, offer: 7, conversation: 'c_push', deadline: Date.now() + 90_000, title: 'New live chat request', body: 'Nia · nia@example.com on /pricing. Click to open the inbox and accept.' };
    const shown = () => page.evaluate(async () => {
      const r = await navigator.serviceWorker.getRegistration('/inbox');
      return (await r.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data?.url }));
    });
    // DevTools' push delivery is the test's stand-in for the push service, and on a loaded
    // machine Chromium has dropped one (the worker still starting): it is sent again until the
    // worker acts on it, at most three times. Each offer has one tag, so a repeat replaces.
    const deliver = async (msg, done, what) => {
      for (let attempt = 1; ; attempt++) {
        await cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId, data: JSON.stringify(msg) });
        try {
          await until(done, { timeout: 5_000, what });
          if (attempt > 1) console.log(`  ${what} after ${attempt} deliveries`);
          return;
        } catch (e) {
          if (attempt === 3) throw e;
        }
      }
    };
    await deliver(offer, async () => (await shown()).length === 1, 'a notification');
    const [n] = await shown();
    assert.equal(n.title, offer.title);
    assert.equal(n.body, offer.body);
    assert.equal(n.url, `/inbox?offer=7&workspace=${encodeURIComponent(ws)}`, 'a click opens the inbox on the offer');
    await deliver({ type: 'offer_gone', workspace: ws, offer: 7, conversation: 'c_push' }, async () => (await shown()).length === 0, 'the notification closed');
  } finally {
    await browser.close();
  }
});
