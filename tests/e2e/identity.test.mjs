// Identity verification: the site says who its signed-in visitor is with
// Parlor('identify', {id, email, name, user_hash}), user_hash being HMAC-SHA256 of the id under the
// workspace's identity secret, computed on the site's server (here: node:crypto, as a site would).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { BASE, Api, DEMO_AGENTS, launchBrowser, freshWorkspace, closeAllSockets, signIn } from './lib.mjs';
import { signInInbox, signInAdmin, VIEWPORT } from './inbox-lib.mjs';

after(closeAllSockets);

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const hashOf = (secret, id) => createHmac('sha256', secret).update(id).digest('hex');

/** A page of the site for a signed-in user: the queue snippet, identify, then the loader. */
async function signedInPage(context, workspace, identity, path = '/e2e/account.html') {
  const page = await context.newPage();
  await page.setViewportSize(VIEWPORT);
  await page.route(`${BASE}${path}*`, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Account</title></head>
      <body><h1>Your account</h1>
      <script>
        window.Parlor = window.Parlor || function () { (Parlor.q = Parlor.q || []).push(arguments); };
        Parlor('identify', ${JSON.stringify(identity)});
      </script>
      <script src="/widget.js" data-workspace="${workspace}" data-open async></script></body></html>`,
  }));
  await page.goto(`${BASE}${path}`);
  return page;
}

const start = (body) => new Api(BASE).call('POST', '/api/visitor/conversations', { page_url: `${BASE}/e2e/account.html`, ...body });

test('a verified identity fills the capture card, the agent sees it verified, and conversations link by person', async () => {
  const { id, admin } = await freshWorkspace('idv');
  const { secret } = await admin.ok('GET', `/api/workspaces/${id}/identity-secret`);
  assert.match(secret, /^idv_[0-9a-f]{64}$/);
  // Read again: the same secret (made once).
  assert.equal((await admin.ok('GET', `/api/workspaces/${id}/identity-secret`)).secret, secret);

  const context = await browser.newContext();
  const alice = DEMO_AGENTS[0];
  const inbox = await signInInbox(context, id, alice);
  const identity = { id: 'user-42', email: 'ada@lovelace.example', name: 'Ada Lovelace', user_hash: hashOf(secret, 'user-42') };
  const page = await signedInPage(context, id, identity);
  await page.getByRole('button', { name: 'Pricing questions' }).click({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Yes, connect me' }).click();
  // The form starts filled with what the site said; the visitor only submits.
  assert.equal(await page.getByLabel('First name').inputValue(), 'Ada');
  assert.equal(await page.getByLabel('Work email').inputValue(), 'ada@lovelace.example');
  await page.getByRole('button', { name: 'Submit' }).click();

  await inbox.locator('.offer').getByRole('button', { name: 'Accept' }).click({ timeout: 15_000 });
  const mark = inbox.locator('.details .idv');
  await mark.waitFor({ timeout: 10_000 });
  // The hash vouches for the id; name and email are shown as the page gave them.
  assert.equal(await mark.textContent(), '✓ Verified: user-42 · as given: Ada Lovelace · ada@lovelace.example');
  assert.match(await mark.getAttribute('class'), /\bok\b/);

  // The same person from another device: a conversation started over the API with the same id.
  const other = await start({ workspace: id, identity: { id: 'user-42', user_hash: hashOf(secret, 'user-42') } });
  assert.equal(other.status, 201, JSON.stringify(other.body));
  // And a claim of the same id (no hash) is not linked.
  const claim = await start({ workspace: id, identity: { id: 'user-42' } });
  assert.equal(claim.status, 201, JSON.stringify(claim.body));
  const linked = await admin.ok('GET', `/api/workspaces/${id}/conversations?person=user-42`);
  assert.equal(linked.length, 2);
  assert.ok(linked.every((c) => c.identity.verified && c.identity.id === 'user-42'));
  assert.ok(linked.some((c) => c.id === other.body.conversation));
  assert.ok(!linked.some((c) => c.id === claim.body.conversation));
  const all = await admin.ok('GET', `/api/workspaces/${id}/conversations`);
  assert.equal(all.find((c) => c.id === claim.body.conversation).identity.verified, false);
  await context.close();
});

test('a claim without a valid hash is shown as a claim; signing in later identifies the resumed conversation', async () => {
  const { id, admin } = await freshWorkspace('idclaim');
  const { secret } = await admin.ok('GET', `/api/workspaces/${id}/identity-secret`);
  const first = await start({ workspace: id, identity: { id: 'u-7', user_hash: hashOf('not the secret', 'u-7') } });
  assert.equal(first.status, 201);
  const row = async () => (await admin.ok('GET', `/api/workspaces/${id}/conversations/${first.body.conversation}`)).conversation;
  assert.deepEqual((await row()).identity, { id: 'u-7', verified: false });
  // The visitor signs in on the site; the next page resumes the conversation with a valid hash.
  const resumed = await start({ workspace: id, token: first.body.token, identity: { id: 'u-7', email: 'u7@example.com', user_hash: hashOf(secret, 'u-7') } });
  assert.equal(resumed.status, 201);
  assert.equal(resumed.body.resumed, true);
  assert.deepEqual((await row()).identity, { id: 'u-7', email: 'u7@example.com', verified: true });
  // A page without the hash afterwards does not undo it.
  await start({ workspace: id, token: first.body.token, identity: { id: 'u-7' } });
  assert.equal((await row()).identity.verified, true);
  // Rotating the secret: hashes made with the old one no longer verify.
  const rotated = await admin.ok('POST', `/api/workspaces/${id}/identity-secret`);
  assert.notEqual(rotated.secret, secret);
  const stale = await start({ workspace: id, identity: { id: 'u-8', user_hash: hashOf(secret, 'u-8') } });
  assert.equal(stale.status, 201);
  const staleRow = await admin.ok('GET', `/api/workspaces/${id}/conversations/${stale.body.conversation}`);
  assert.equal(staleRow.conversation.identity.verified, false);
  // Verification not required: a site's malformed identity never blocks its visitor. The bad
  // parts are left out; a bad id leaves the visitor anonymous.
  const sloppy = await start({ workspace: id, identity: { id: 'u-9', email: 'not an email', name: 'n'.repeat(150), user_hash: 'xyz' } });
  assert.equal(sloppy.status, 201, JSON.stringify(sloppy.body));
  const sloppyRow = await admin.ok('GET', `/api/workspaces/${id}/conversations/${sloppy.body.conversation}`);
  assert.deepEqual(sloppyRow.conversation.identity, { id: 'u-9', verified: false });
  const noId = await start({ workspace: id, identity: { id: '' } });
  assert.equal(noId.status, 201);
  const noIdRow = await admin.ok('GET', `/api/workspaces/${id}/conversations/${noId.body.conversation}`);
  assert.equal(noIdRow.conversation.identity, undefined);
  // The visitor asks to be forgotten: the email their identity carried finds the conversation.
  const erased = await admin.ok('POST', `/api/workspaces/${id}/erasures`, { email: 'U7@example.com' });
  assert.equal(erased.erased.conversations, 1);
  assert.equal((await admin.call('GET', `/api/workspaces/${id}/conversations/${first.body.conversation}`)).status, 404);
});

test('with verification required, an invalid hash is refused; bad identities get a message; anonymous visitors still chat', async () => {
  const { id, admin } = await freshWorkspace('idreq');
  const settings = await admin.ok('GET', `/api/workspaces/${id}/settings`);
  await admin.ok('PUT', `/api/workspaces/${id}/settings`, { ...settings, require_verified_identity: true });
  const { secret } = await admin.ok('GET', `/api/workspaces/${id}/identity-secret`);

  for (const identity of [{ id: 'u-1', user_hash: hashOf('wrong', 'u-1') }, { id: 'u-1' }]) {
    const r = await start({ workspace: id, identity });
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.error, 'identity_not_verified');
    assert.match(r.body.message, /requires a verified identity/);
  }
  const bad = [
    [{ id: '' }, /identity\.id/],
    [{ id: 'u-1', email: 'not an email' }, /identity\.email/],
    [{ id: 'u-1', user_hash: 'xyz' }, /identity\.user_hash/],
    [{ id: 'u-1', name: 'n'.repeat(101) }, /identity\.name/],
  ];
  for (const [identity, message] of bad) {
    const r = await start({ workspace: id, identity });
    assert.equal(r.status, 400, JSON.stringify(identity));
    assert.equal(r.body.error, 'bad_identity');
    assert.match(r.body.message, message);
  }
  const unknownField = await start({ workspace: id, identity: { id: 'u-1', role: 'admin' } });
  assert.equal(unknownField.status, 400);
  assert.equal((await start({ workspace: id })).status, 201, 'no identity: an anonymous visitor');
  assert.equal((await start({ workspace: id, identity: { id: 'u-1', user_hash: hashOf(secret, 'u-1') } })).status, 201);

  // In the browser: the widget's start is refused the same way.
  const context = await browser.newContext();
  const refused = new Promise((resolve) => {
    context.on('response', (r) => {
      if (r.url().endsWith('/api/visitor/conversations') && r.request().method() === 'POST') resolve(r);
    });
  });
  await signedInPage(context, id, { id: 'u-2', user_hash: hashOf('wrong', 'u-2') });
  const resp = await refused;
  assert.equal(resp.status(), 403);
  assert.equal(JSON.parse(resp.request().postData()).identity.id, 'u-2');
  // Nothing was created for the refused visitor: only the two API starts that succeeded are listed.
  assert.equal((await admin.ok('GET', `/api/workspaces/${id}/conversations`)).length, 2);
  await context.close();
});

test('only admins read or rotate the identity secret', async () => {
  const { id } = await freshWorkspace('idauth');
  const anonymous = new Api(BASE);
  assert.equal((await anonymous.call('GET', `/api/workspaces/${id}/identity-secret`)).status, 401);
  const bob = DEMO_AGENTS[1];
  const agent = new Api(BASE, await signIn(id, bob));
  assert.equal((await agent.call('GET', `/api/workspaces/${id}/identity-secret`)).status, 403);
  assert.equal((await agent.call('POST', `/api/workspaces/${id}/identity-secret`)).status, 403);
  assert.equal((await agent.call('DELETE', `/api/workspaces/${id}/identity-secret`)).status, 405);
});

test('the admin page shows and rotates the identity secret, and requires verification from Settings', async () => {
  const { id, admin } = await freshWorkspace('idadmin');
  const ctx = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await signInAdmin(ctx, id, { key: admin.token });
    await page.getByRole('tab', { name: 'Embed' }).click();
    await page.getByRole('button', { name: 'Show the identity secret' }).click();
    const shown = page.getByRole('status').filter({ hasText: 'Identity secret: ' });
    await shown.waitFor();
    const { secret } = await admin.ok('GET', `/api/workspaces/${id}/identity-secret`);
    assert.equal(await shown.textContent(), `Identity secret: ${secret}`);
    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: 'Make a new secret' }).click();
    await page.getByRole('status').filter({ hasNotText: secret }).filter({ hasText: 'Identity secret: idv_' }).waitFor();
    const rotated = (await admin.ok('GET', `/api/workspaces/${id}/identity-secret`)).secret;
    assert.notEqual(rotated, secret);
    assert.equal(await page.getByRole('status').filter({ hasText: 'Identity secret: ' }).textContent(), `Identity secret: ${rotated}`);

    await page.getByRole('tab', { name: 'Settings' }).click();
    const box = page.getByLabel(/Refuse signed-in visitors whose identity is not verified/);
    assert.equal(await box.isChecked(), false);
    await box.check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').waitFor();
    assert.equal((await admin.ok('GET', `/api/workspaces/${id}/settings`)).require_verified_identity, true);
    assert.equal((await start({ workspace: id, identity: { id: 'u-9' } })).status, 403);
  } finally {
    await ctx.close();
  }
});

test('the admin sees a conversation\'s identity and the same person\'s other conversations', async () => {
  const { id, admin } = await freshWorkspace('idlink');
  const { secret } = await admin.ok('GET', `/api/workspaces/${id}/identity-secret`);
  const who = { id: 'p-1', email: 'grace@hopper.dev', name: 'Grace Hopper', user_hash: hashOf(secret, 'p-1') };
  const first = await start({ workspace: id, identity: who });
  const second = await start({ workspace: id, identity: who });
  const stranger = await start({ workspace: id, identity: { id: 'p-2' } });
  for (const r of [first, second, stranger]) assert.equal(r.status, 201);
  const ctx = await browser.newContext({ viewport: VIEWPORT });
  try {
    const page = await signInAdmin(ctx, id, { key: admin.token });
    await page.locator(`#conv-${first.body.conversation}`).click({ timeout: 10_000 });
    const detail = page.getByLabel('Conversation detail');
    await detail.locator('.idv.ok').getByText('✓ Verified: p-1 · as given: Grace Hopper · grace@hopper.dev').waitFor();
    // The other conversation of p-1 is linked; the claim of p-2 is not.
    const same = detail.getByText('Same person:').getByRole('button');
    assert.equal(await same.count(), 1);
    await same.click();
    await page.locator(`tr.selected[data-id="${second.body.conversation}"]`).waitFor();
    await page.locator(`#conv-${stranger.body.conversation}`).click();
    await detail.locator('.idv.claim').getByText('Unverified claim: p-2').waitFor();
    assert.equal(await detail.getByText('Same person:').count(), 0);
  } finally {
    await ctx.close();
  }
});
