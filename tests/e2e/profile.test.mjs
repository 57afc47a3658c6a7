// Agents' profile pictures against the real stack (R2 under wrangler dev): uploaded from the
// inbox, checked by their bytes, served from our origin with `nosniff`, and snapshotted into the
// chats the agent accepts. What is not a PNG, JPEG or WebP of at most 1 MB is refused in words.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import {
  BASE, freshWorkspace, DEMO_AGENTS, signIn, openInbox, startVisitor, openVisitor, askForLiveChat,
  waitEntry, closeAllSockets, launchBrowser, shot,
} from './lib.mjs';
import { signInInbox } from './inbox-lib.mjs';

afterEach(closeAllSockets);

const [ALICE, BOB] = DEMO_AGENTS;
// A 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

/** A `size`×`size` PNG: a coloured disc on white (what a real picture looks like in the docs). */
function discPng(size = 96) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - size / 2, y - size / 2) / (size / 2);
      const px = d < 0.8 ? [13, 148, 136] : d < 0.9 ? [250, 204, 21] : [255, 255, 255];
      row.set(px, 1 + x * 3);
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0)),
  ]);
}

function upload(ws, token, body, type) {
  const headers = { authorization: `Bearer ${token}` };
  if (type) headers['content-type'] = type;
  return fetch(`${BASE}/api/workspaces/${ws}/me/picture`, { method: 'PUT', headers, body });
}

test('a picture is checked by its bytes, served with nosniff, and the visitor sees it', async () => {
  const { id: ws } = await freshWorkspace('pictures');
  const token = await signIn(ws, ALICE);
  const refused = async (body, type, status, words) => {
    const r = await upload(ws, token, body, type);
    assert.equal(r.status, status, `${type}: ${r.status}`);
    const json = await r.json();
    assert.match(json.message, words);
  };
  await refused('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', 'image/svg+xml', 422, /SVG pictures are not accepted/);
  await refused('<!doctype html><script>alert(1)</script>', 'image/png', 422, /not a PNG, JPEG or WebP/);
  const fakePng = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.from('<html><script>alert(1)</script></html>')]);
  await refused(fakePng, 'image/png', 422, /not a PNG, JPEG or WebP/);
  await refused(PNG, 'image/jpeg', 422, /png image but was sent as image\/jpeg/);
  await refused(Buffer.alloc(5 * 1024 * 1024, 0xff), 'image/jpeg', 413, /larger than 1048576 bytes/);
  assert.equal((await upload(ws, 'not-a-token', PNG, 'image/png')).status, 401);

  const r = await upload(ws, token, PNG, 'image/png');
  assert.equal(r.status, 200);
  const agent = await r.json();
  assert.match(agent.avatar_url, new RegExp(`^/api/pictures/${ws}/alice/[0-9a-f]{16}\\.png$`));

  const served = await fetch(`${BASE}${agent.avatar_url}`);
  assert.equal(served.status, 200);
  assert.equal(served.headers.get('content-type'), 'image/png');
  assert.equal(served.headers.get('x-content-type-options'), 'nosniff');
  assert.match(served.headers.get('content-security-policy'), /sandbox/);
  assert.deepEqual(Buffer.from(await served.arrayBuffer()), PNG);
  assert.equal((await fetch(`${BASE}/api/pictures/${ws}/alice/0123456789abcdef.png`)).status, 404);
  assert.equal((await fetch(`${BASE}/api/pictures/${ws}/alice/..%2F..%2Fsecret.png`)).status, 404);

  // The chat Alice accepts now shows the visitor her picture.
  const inbox = await openInbox(ws, token);
  const v = await startVisitor(ws);
  const visitor = await openVisitor(v.token);
  await askForLiveChat(visitor, { first_name: 'Nia', email: 'nia@example.com' });
  const { offer } = await inbox.waitFor((m) => m.type === 'offered', 10_000, 'offered');
  inbox.send({ type: 'accept', offer: offer.offer });
  const joined = await waitEntry(visitor, 'agent_joined');
  assert.equal(joined.agent.avatar_url, agent.avatar_url);
});

test('an agent keeps their 5 newest pictures, and a removed agent none', async () => {
  const { id: ws, admin } = await freshWorkspace('pictures-kept');
  const token = await signIn(ws, ALICE);
  const urls = [];
  for (let i = 0; i < 7; i++) {
    const r = await upload(ws, token, discPng(8 + i), 'image/png');
    assert.equal(r.status, 200);
    urls.push((await r.json()).avatar_url);
  }
  assert.equal(new Set(urls).size, 7, 'seven different pictures');
  const status = async (url) => (await fetch(`${BASE}${url}`)).status;
  assert.deepEqual(await Promise.all(urls.map(status)), [404, 404, 200, 200, 200, 200, 200]);
  await admin.ok('DELETE', `/api/workspaces/${ws}/agents/alice`);
  assert.deepEqual(await Promise.all(urls.map(status)), [404, 404, 404, 404, 404, 404, 404]);
});

test('in the inbox: initials until a picture is uploaded from the Profile panel, and refusals in words', async () => {
  const { id: ws } = await freshWorkspace('pictures-ui');
  const dir = mkdtempSync(join(tmpdir(), 'parlor-pictures-'));
  writeFileSync(join(dir, 'me.png'), discPng());
  writeFileSync(join(dir, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  const browser = await launchBrowser();
  try {
    const page = await signInInbox(await browser.newContext(), ws, BOB);
    // The demo agents start with a picture: removed, initials on a colour take its place.
    assert.ok(await page.locator('.topbar .avatar img').count(), 'the demo picture');
    await page.getByRole('button', { name: 'Profile' }).click();
    const panel = page.getByRole('dialog', { name: 'Your profile' });
    await panel.getByRole('button', { name: 'Remove picture' }).click();
    await panel.getByText('Saved.').waitFor({ timeout: 10_000 });
    assert.equal((await page.locator('.topbar .avatar').innerText()).trim(), 'BD', 'initials without a picture');
    assert.ok(!(await panel.getByRole('button', { name: 'Remove picture' }).isVisible()));
    const file = panel.getByLabel(/^Picture/);
    await file.setInputFiles(join(dir, 'logo.svg'));
    await panel.getByRole('button', { name: 'Upload picture' }).click();
    await panel.getByText('SVG pictures are not accepted').waitFor({ timeout: 10_000 });
    await file.setInputFiles(join(dir, 'me.png'));
    await panel.getByRole('button', { name: 'Upload picture' }).click();
    await panel.getByText('Saved.').waitFor({ timeout: 10_000 });
    const src = await page.locator('.topbar .avatar img').getAttribute('src');
    assert.match(src, /^\/api\/pictures\/.+\/bob\/[0-9a-f]{16}\.png$/);
    await panel.getByLabel('Name').fill('Bob D.');
    await panel.getByRole('button', { name: 'Save name' }).click();
    await page.getByText(`Bob D. · ${ws}`).waitFor({ timeout: 10_000 });
    await shot(page, 'docs/screenshots/inbox-profile.png');
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
