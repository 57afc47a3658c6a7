// The widget on a customer's site: another origin than Parlor's. The loader, the wasm and the
// API must work cross-origin (CORS), and a workspace's allowed origins must be enforced.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, Api, DEMO_AGENTS, launchBrowser, freshWorkspace, closeAllSockets, demoDialogue, openInbox, signIn, until } from './lib.mjs';
import { signInAdmin } from './inbox-lib.mjs';

// A failed test must not leave a socket open: it would keep this file's process alive.
after(closeAllSockets);

// "localhost" and "127.0.0.1" are different origins for the browser.
const SITE = BASE.replace('127.0.0.1', 'localhost');

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

async function customerPage(context, workspace) {
  const page = await context.newPage();
  await page.route(`${SITE}/landing.html`, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Customer site</title></head>
      <body><h1>Customer landing page</h1>
      <script src="${BASE}/widget.js" data-workspace="${workspace}" data-open async></script></body></html>`,
  }));
  return page;
}

test('embedded on another origin, the widget loads and talks to the edge (CORS)', async () => {
  const { id, admin } = await freshWorkspace('embed', { settings: { allowed_origins: [SITE] } });
  const context = await browser.newContext();
  const page = await customerPage(context, id);
  await page.goto(`${SITE}/landing.html`);
  await page.getByRole('button', { name: 'Pricing questions' }).click({ timeout: 15_000 });
  await page.getByText('Would you like to talk to someone from our sales team now?').waitFor();
  const list = await admin.ok('GET', `/api/workspaces/${id}/conversations`);
  assert.equal(list.length, 1);
  assert.equal(list[0].page_url, `${SITE}/landing.html`);
  await context.close();
});

test('a site missing from allowed_origins gets no launcher, no conversation, and a console line saying why', async () => {
  const { id, admin } = await freshWorkspace('embedno', { settings: { allowed_origins: ['https://www.example.com'] } });
  // The public read says so, for the origin asking (and says nothing of origins when none asks).
  const read = async (origin) => {
    const r = await fetch(`${BASE}/api/visitor/availability?workspace=${id}&page=%2Flanding.html`, { headers: origin ? { origin } : {} });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('vary') ?? '', /origin/i);
    return (await r.json()).origin_allowed;
  };
  assert.equal(await read(SITE), false);
  assert.equal(await read('https://www.example.com'), true);
  assert.equal(await read(null), undefined);

  const context = await browser.newContext();
  const page = await customerPage(context, id);
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const starts = [];
  page.on('request', (r) => r.url().endsWith('/api/visitor/conversations') && starts.push(r.url()));
  const wasm = [];
  page.on('request', (r) => r.url().endsWith('.wasm') && wasm.push(r.url()));
  await page.goto(`${SITE}/landing.html`);
  await until(() => errors.some((e) => e.includes('to the allowed origins')), { what: 'the console line' });
  assert.ok(errors.some((e) => e.includes(`Parlor: add ${SITE} to the allowed origins (workspace ${id})`)), errors.join('\n'));
  // The page asked to greet (data-open), yet nothing is drawn, downloaded or started.
  await page.waitForTimeout(2_000);
  assert.equal(await page.locator('#parlor-widget').count(), 0);
  assert.deepEqual(starts, []);
  assert.deepEqual(wasm, []);
  // The page's own button (Parlor('open')) gets an answer, not a Retry that cannot work.
  const refused = page.waitForResponse((r) => r.url().endsWith('/api/visitor/conversations') && r.request().method() === 'POST');
  await page.evaluate(() => window.Parlor('open'));
  assert.equal((await refused).status(), 403);
  await page.getByText('Chat is not available on this page.').waitFor({ timeout: 15_000 });
  assert.equal(await page.getByRole('button', { name: 'Try again' }).count(), 0);
  assert.deepEqual(await admin.ok('GET', `/api/workspaces/${id}/conversations`), []);
  // The same refusal, read as an API client sees it.
  const direct = await fetch(`${BASE}/api/visitor/conversations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: SITE },
    body: JSON.stringify({ workspace: id, page_url: `${SITE}/landing.html` }),
  });
  assert.equal(direct.status, 403);
  assert.equal((await direct.json()).error, 'origin_not_allowed');
  await context.close();
});

test('a workspace id no workspace has draws no launcher, and the console says so', async () => {
  const context = await browser.newContext();
  const page = await customerPage(context, 'no-such-workspace-here');
  const errors = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const starts = [];
  page.on('request', (r) => r.url().endsWith('/api/visitor/conversations') && starts.push(r.url()));
  await page.goto(`${SITE}/landing.html`);
  await until(() => errors.some((e) => e.includes('Parlor: workspace not found (workspace no-such-workspace-here)')), { what: 'the console line' });
  await page.waitForTimeout(1_000);
  assert.equal(await page.locator('#parlor-widget').count(), 0);
  assert.deepEqual(starts, []);
  await context.close();
});

test('the admin sees where the widget is installed, and lets a refused site in with one click', async () => {
  const { id, admin } = await freshWorkspace('embedsites', { settings: { allowed_origins: ['https://www.example.com'] } });
  // Only admins read the list.
  assert.equal((await new Api(BASE).call('GET', `/api/workspaces/${id}/sites`)).status, 401);
  const agent = new Api(BASE, await signIn(id, DEMO_AGENTS[1]));
  assert.equal((await agent.call('GET', `/api/workspaces/${id}/sites`)).status, 403);
  assert.deepEqual(await admin.ok('GET', `/api/workspaces/${id}/sites`), []);

  // A page on an allowed site and one on a refused site read the availability, as the loader
  // does; a read without a page (an API client's) and an origin that names no site are not listed.
  const read = (origin, page = '&page=%2F') =>
    fetch(`${BASE}/api/visitor/availability?workspace=${id}${page}`, { headers: { origin } });
  assert.equal((await read('https://www.example.com')).status, 200);
  assert.equal((await read('https://api-client.example', '')).status, 200);
  assert.equal((await read('null')).status, 200);
  const context = await browser.newContext();
  const page = await customerPage(context, id);
  const answered = page.waitForResponse((r) => r.url().includes('/api/visitor/availability'));
  await page.goto(`${SITE}/landing.html`);
  assert.equal((await (await answered).json()).origin_allowed, false);
  const sites = await admin.ok('GET', `/api/workspaces/${id}/sites`);
  assert.deepEqual(sites.map((s) => [s.origin, s.allowed]).sort(), [['https://www.example.com', true], [SITE, false]].sort());
  for (const s of sites) assert.ok(s.first_seen > 0 && s.last_seen >= s.first_seen, JSON.stringify(s));

  // The admin's Embed view says so, and one click adds the site to the allowed origins.
  const adminCtx = await browser.newContext();
  try {
    const view = await signInAdmin(adminCtx, id, { key: admin.token });
    // Every view, the one the admin lands on first, says that a site gets no chat button.
    const warning = view.locator('#refused-sites');
    await warning.getByText(`No chat button shows on ${SITE}: not in the allowed origins.`).waitFor({ timeout: 15_000 });
    await warning.getByRole('button', { name: 'Review in Embed' }).click();
    const list = view.locator('#sites');
    await list.getByText(SITE, { exact: true }).waitFor({ timeout: 15_000 });
    await list.getByText('https://www.example.com', { exact: true }).waitFor();
    assert.equal(await list.getByText('Not in the allowed origins: no chat button shows on its pages.').count(), 1);
    await list.getByRole('button', { name: 'Allow this site' }).click();
    await view.getByText(`${SITE} is now an allowed origin: its pages show the chat button.`).waitFor({ timeout: 15_000 });
    await until(async () => (await list.getByRole('button', { name: 'Allow this site' }).count()) === 0, { what: 'the refused mark to go' });
    await view.getByRole('tab', { name: 'Overview' }).click();
    await view.getByRole('group', { name: 'Period' }).waitFor();
    assert.equal(await warning.count(), 0, 'no warning once the site is allowed');
  } finally {
    await adminCtx.close();
  }
  const settings = await admin.ok('GET', `/api/workspaces/${id}/settings`);
  assert.deepEqual(settings.allowed_origins, ['https://www.example.com', SITE]);
  // The customer's page now greets the visitor (a new context: the old answer may be cached).
  await context.close();
  const again = await browser.newContext();
  const greeted = await customerPage(again, id);
  await greeted.goto(`${SITE}/landing.html`);
  await greeted.getByRole('button', { name: 'Pricing questions' }).waitFor({ timeout: 15_000 });
  await again.close();
});

test('the admin removes a site that no longer runs the tag: the warning goes, and a page of it lists it again', async () => {
  const { id, admin } = await freshWorkspace('embedforget', { settings: { allowed_origins: ['https://www.example.com'] } });
  const OLD = 'https://old-staging.example';
  const read = (origin) => fetch(`${BASE}/api/visitor/availability?workspace=${id}&page=%2F`, { headers: { origin } });
  assert.equal((await read(OLD)).status, 200);
  assert.equal((await read('https://www.example.com')).status, 200);
  const path = `/api/workspaces/${id}/sites`;
  const remove = (api, origin) => api.call('DELETE', origin === undefined ? path : `${path}?origin=${encodeURIComponent(origin)}`);
  // Only admins remove, a site must be named, and one not listed is not found.
  assert.equal((await remove(new Api(BASE), OLD)).status, 401);
  assert.equal((await remove(new Api(BASE, await signIn(id, DEMO_AGENTS[1])), OLD)).status, 403);
  const unnamed = await remove(admin);
  assert.equal(unnamed.status, 400);
  assert.match(unnamed.body.message, /origin/);
  assert.equal((await remove(admin, 'https://never-seen.example')).status, 404);
  assert.deepEqual((await admin.ok('GET', path)).map((s) => s.origin).sort(), [OLD, 'https://www.example.com'].sort());

  const adminCtx = await browser.newContext();
  try {
    const view = await signInAdmin(adminCtx, id, { key: admin.token });
    const warning = view.locator('#refused-sites');
    await warning.getByText(`No chat button shows on ${OLD}: not in the allowed origins.`).waitFor({ timeout: 15_000 });
    await warning.getByRole('button', { name: 'Review in Embed' }).click();
    const row = view.locator('#sites li', { hasText: OLD });
    await row.getByRole('button', { name: 'Remove from the list' }).click({ timeout: 15_000 });
    await view.getByText(`${OLD} is no longer listed. It comes back if one of its pages loads the chat again.`).waitFor({ timeout: 15_000 });
    await until(async () => (await row.count()) === 0, { what: 'the removed site to leave the list' });
    await view.locator('#sites li', { hasText: 'https://www.example.com' }).waitFor();
    await view.getByRole('tab', { name: 'Overview' }).click();
    await view.getByRole('group', { name: 'Period' }).waitFor();
    assert.equal(await warning.count(), 0, 'no warning once the refused site is removed');
  } finally {
    await adminCtx.close();
  }
  assert.deepEqual((await admin.ok('GET', path)).map((s) => s.origin), ['https://www.example.com']);
  // Removing changed no setting, and a page of the site that loads the chat again lists it at once.
  assert.deepEqual((await admin.ok('GET', `/api/workspaces/${id}/settings`)).allowed_origins, ['https://www.example.com']);
  assert.equal((await read(OLD)).status, 200);
  const back = await admin.ok('GET', path);
  assert.deepEqual(back.map((s) => [s.origin, s.allowed]).sort(), [[OLD, false], ['https://www.example.com', true]].sort());
});

test('under a strict Content-Security-Policy with the documented sources the widget works; without wasm it says it cannot load', async () => {
  const { id } = await freshWorkspace('embedcsp', { settings: { allowed_origins: [SITE] } });
  const sockets = BASE.replace(/^http/, 'ws');
  const policy = (wasm) => `default-src 'none'; script-src ${BASE}${wasm ? " 'wasm-unsafe-eval'" : ''}; ` +
    `connect-src ${BASE} ${sockets}; style-src 'unsafe-inline'; img-src ${BASE}`;
  const open = async (wasm) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const refusals = [];
    page.on('console', (m) => /Content Security Policy/i.test(m.text()) && refusals.push(m.text()));
    await page.route(`${SITE}/strict.html`, (route) => route.fulfill({
      contentType: 'text/html',
      headers: { 'content-security-policy': policy(wasm) },
      body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Strict site</title></head>
        <body><h1>Strict</h1><script src="${BASE}/widget.js" data-workspace="${id}" async></script></body></html>`,
    }));
    await page.goto(`${SITE}/strict.html`);
    return { context, page, refusals };
  };
  // With the sources docs/embedding.md lists: the launcher, the dialogue, nothing refused.
  const allowed = await open(true);
  await allowed.page.getByRole('button', { name: 'Open chat' }).click({ timeout: 15_000 });
  await allowed.page.getByRole('button', { name: 'Pricing questions' }).click({ timeout: 15_000 });
  await allowed.page.getByText('Would you like to talk to someone from our sales team now?').waitFor();
  assert.deepEqual(allowed.refusals, []);
  await allowed.context.close();
  // Without 'wasm-unsafe-eval' the widget cannot start: the visitor reads so beside the launcher.
  const refused = await open(false);
  await refused.page.getByRole('button', { name: 'Open chat' }).click({ timeout: 15_000 });
  await refused.page.getByRole('alert').filter({ hasText: 'Chat could not load. Try again.' }).waitFor({ timeout: 15_000 });
  assert.ok(refused.refusals.length > 0, 'the browser says what the policy refused');
  await refused.context.close();
});

test('on another site the widget shows the picture the agent uploaded to the Parlor host', async () => {
  const { id } = await freshWorkspace('embedpic', { settings: { allowed_origins: [SITE] } });
  const alice = DEMO_AGENTS[0];
  const token = await signIn(id, alice);
  // A 1×1 PNG, stored as `/api/pictures/…` on the Parlor host (a path, as docs/protocol.md says).
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
  const uploaded = await fetch(`${BASE}/api/workspaces/${id}/me/picture`, {
    method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' }, body: png,
  });
  assert.equal(uploaded.status, 200);
  const { avatar_url } = await uploaded.json();
  assert.match(avatar_url, /^\/api\/pictures\//);
  const inbox = await openInbox(id, token);

  const context = await browser.newContext();
  const page = await customerPage(context, id);
  await page.goto(`${SITE}/landing.html`);
  await page.getByRole('button', { name: 'Pricing questions' }).click({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Yes, connect me' }).click();
  await page.getByLabel('First name').fill('Ann');
  await page.getByLabel('Work email').fill('ann@example.com');
  await page.getByRole('button', { name: 'Submit' }).click();
  const offered = await inbox.waitFor((m) => m.type === 'offered', 10_000, 'offered');
  inbox.send({ type: 'accept', offer: offered.offer.offer });
  await page.getByText(`${alice.name} joined the chat`).first().waitFor({ timeout: 10_000 });
  // In the header and beside the joining line: the Parlor host's address, not the page's, loaded.
  const pictures = page.locator(`#parlor-widget img[alt="${alice.name}"]`);
  await until(async () => (await pictures.count()) === 2, { what: 'two pictures' });
  for (const img of await pictures.all()) {
    assert.equal(await img.getAttribute('src'), `${BASE}${avatar_url}`);
    await until(() => img.evaluate((e) => e.complete && e.naturalWidth === 1), { what: 'the picture loaded' });
  }
  inbox.close();
  await context.close();
});

test('the inbox and admin pages forbid inline scripts and framing; the widget files allow any site', async () => {
  for (const page of ['/inbox', '/admin']) {
    const r = await fetch(`${BASE}${page}`);
    assert.equal(r.status, 200);
    const csp = r.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  }
  // The loader is cached briefly and names the content-hashed glue and wasm, cached for a year.
  const loader = await fetch(`${BASE}/widget.js`);
  assert.equal(loader.status, 200);
  assert.equal(loader.headers.get('access-control-allow-origin'), '*');
  assert.equal(loader.headers.get('cache-control'), 'public, max-age=300');
  const text = await loader.text();
  const named = [text.match(/\/w\/widget\.[0-9a-f]{12}\.js/)?.[0], text.match(/\/w\/widget_bg\.[0-9a-f]{12}\.wasm/)?.[0]];
  assert.ok(named.every(Boolean), `the loader names hashed files: ${named}`);
  for (const file of named) {
    const r = await fetch(`${BASE}${file}`);
    assert.equal(r.status, 200, file);
    assert.equal(r.headers.get('access-control-allow-origin'), '*', file);
    assert.match(r.headers.get('cache-control') ?? '', /max-age=31536000, immutable/, file);
  }
  // The same for the inbox and the admin: the boot scripts revalidate, the bundles are immutable.
  for (const [boot, dir] of [['/inbox-boot.js', 'i'], ['/admin-boot.js', 'a']]) {
    const r = await fetch(`${BASE}${boot}`);
    assert.equal(r.status, 200, boot);
    assert.equal(r.headers.get('cache-control'), 'no-cache', boot);
    const files = (await r.text()).match(new RegExp(`/${dir}/[a-z_]+\\.[0-9a-f]{12}\\.(js|wasm)`, 'g')) ?? [];
    assert.equal(files.length, 2, `${boot} names its glue and wasm: ${files}`);
    for (const file of files) {
      const f = await fetch(`${BASE}${file}`);
      assert.equal(f.status, 200, file);
      assert.match(f.headers.get('cache-control') ?? '', /immutable/, file);
    }
  }
});

test('the launcher is drawn once, in the workspace colour and on its side: no layout shift as the widget loads', async () => {
  const { id } = await freshWorkspace('look', { settings: { widget: { color: '#e11d48', position: 'left', language: 'fr' } } });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__cls = 0;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) if (!e.hadRecentInput) window.__cls += e.value; })
      .observe({ type: 'layout-shift', buffered: true });
  });
  await page.route(`${BASE}/e2e/look.html`, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Look</title></head>
      <body><h1>Host page</h1><script src="/widget.js" data-workspace="${id}" async></script></body></html>`,
  }));
  // The widget's wasm waits until the loader's launcher has been looked at: a warm cache could
  // otherwise mount the widget before the first look, and the test would see only the widget.
  let release;
  const looked = new Promise((r) => { release = r; });
  await page.route(/\/w\/widget_bg\.[0-9a-f]+\.wasm$/, async (route) => { await looked; await route.continue(); });
  await page.goto(`${BASE}/e2e/look.html`);
  const launcher = () => page.evaluate(() => {
    const root = document.getElementById('parlor-widget')?.shadowRoot;
    // The widget's launcher is `.ln`; the loader's is its only button.
    const b = root && (root.querySelector('.ln') ?? root.querySelector('button'));
    if (!b) return null;
    const r = b.getBoundingClientRect();
    return { left: Math.round(r.left), top: Math.round(r.top), bg: getComputedStyle(b).backgroundColor, label: b.getAttribute('aria-label'), wasm: !!root.querySelector('.pw') };
  });
  await page.waitForFunction(() => document.getElementById('parlor-widget'), null, { timeout: 10_000 });
  const first = await launcher();
  release();
  assert.equal(first.wasm, false, 'first seen as the loader drew it');
  await page.waitForFunction(() => document.getElementById('parlor-widget')?.shadowRoot.querySelector('.pw'), null, { timeout: 20_000 });
  await page.waitForTimeout(500);
  const later = await launcher();
  console.log(`  launcher: loader ${JSON.stringify(first)}, widget ${JSON.stringify(later)}`);
  assert.equal(first.bg, 'rgb(225, 29, 72)', 'the loader drew it in the workspace colour');
  assert.ok(first.left < 100, 'on the left, as the workspace says');
  assert.equal(first.label, 'Ouvrir le chat');
  assert.deepEqual({ left: later.left, top: later.top, bg: later.bg }, { left: first.left, top: first.top, bg: first.bg }, 'the widget took over in place');
  assert.equal(await page.evaluate(() => window.__cls), 0, 'cumulative layout shift');
  await context.close();
});

test('a launcher only where it leads somewhere: none on a page no dialogue targets, following a single-page site as it moves, unless a chat goes on or the page opens the widget', async () => {
  const { id, admin } = await freshWorkspace('target');
  await admin.ok('PUT', `/api/workspaces/${id}/dialogues/welcome`, { ...demoDialogue(), targeting: [{ match: 'prefix', value: '/e2e/pricing' }] });
  // The public read, as any client asks it.
  const read = (query) => fetch(`${BASE}/api/visitor/availability?workspace=${id}${query}`);
  const targeted = async (page) => (await (await read(`&page=${encodeURIComponent(page)}`)).json()).targeted;
  assert.equal(await targeted('https://www.example.com/e2e/pricing/teams?utm_source=ads'), true);
  assert.equal(await targeted('https://www.example.com/e2e/blog'), false);
  assert.equal((await (await read('')).json()).targeted, undefined, 'asked without a page');
  const long = await read(`&page=${'a'.repeat(2_001)}`);
  assert.equal(long.status, 400);
  assert.equal(typeof (await long.json()).error, 'string');

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route(`${BASE}/e2e/*.html`, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Site</title></head>
      <body><h1>A page</h1><script src="/widget.js" data-workspace="${id}" data-color="#16a34a" async></script></body></html>`,
  }));
  const wasm = [];
  page.on('request', (r) => r.url().endsWith('.wasm') && wasm.push(r.url()));
  const launcher = () => page.evaluate(() => !!document.getElementById('parlor-widget'));
  // Drawn and not put away (the loader hides it as a single-page site leaves targeted pages).
  const shown = (p) => p.evaluate(() => {
    const host = document.getElementById('parlor-widget');
    return !!host && host.style.display != 'none';
  });

  // The blog: no dialogue, so no launcher and no widget download. 3.5 s is past the loader's
  // longest wait for the read (3 s, after which it would draw the default launcher).
  const answered = page.waitForResponse((r) => r.url().includes('/api/visitor/availability'));
  await page.goto(`${BASE}/e2e/blog.html`);
  assert.equal((await (await answered).json()).targeted, false);
  await page.waitForTimeout(3_500);
  assert.equal(await launcher(), false, 'no launcher on the blog');
  assert.deepEqual(wasm, [], 'the widget is not downloaded');
  // A single-page site moves on without loading a page: to another blog page (still none),
  // then to the pricing page, where the launcher appears.
  await page.evaluate(() => history.pushState({}, '', '/e2e/blog/2'));
  await page.waitForTimeout(2_500);
  assert.equal(await launcher(), false, 'no launcher on the next blog page');
  await page.evaluate(() => history.pushState({}, '', '/e2e/pricing/plans'));
  await until(() => shown(page), { what: 'the launcher on the pricing page' });
  // And back to the blog, with no conversation started: the launcher goes away again.
  await page.evaluate(() => history.back());
  await until(async () => !(await shown(page)), { what: 'no launcher back on the blog' });
  await page.close();
  const other = await context.newPage();
  await other.route(`${BASE}/e2e/*.html`, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Site</title></head>
      <body><h1>A page</h1><script src="/widget.js" data-workspace="${id}" async></script></body></html>`,
  }));
  const again = other.waitForResponse((r) => r.url().includes('/api/visitor/availability'));
  await other.goto(`${BASE}/e2e/blog.html`);
  assert.equal((await (await again).json()).targeted, false);
  await other.waitForTimeout(3_500);
  assert.equal(await other.evaluate(() => !!document.getElementById('parlor-widget')), false);
  // The page may still open the widget itself; it then says plainly there is no chat here.
  await other.evaluate(() => window.Parlor('open'));
  await other.getByText('Chat is not available on this page.').waitFor({ timeout: 15_000 });

  // The pricing page has the launcher; a visitor starts there, then goes to the blog: their
  // conversation goes on there, launcher included.
  const visitor = await context.newPage();
  await visitor.route(/\/e2e\/\w+\.html/, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Site</title></head>
      <body><h1>A page</h1><script src="/widget.js" data-workspace="${id}" async></script></body></html>`,
  }));
  // A fragment may hold what the page keeps there (a sign-in token): it is not sent.
  await visitor.goto(`${BASE}/e2e/pricing.html?utm_source=ads#access_token=secret`);
  await visitor.locator('#parlor-widget').waitFor({ state: 'attached', timeout: 10_000 });
  await visitor.getByRole('button', { name: 'Open chat' }).first().click();
  await visitor.getByRole('button', { name: 'Pricing questions' }).click({ timeout: 15_000 });
  const question = 'Would you like to talk to someone from our sales team now?';
  await visitor.getByText(question).waitFor();
  await visitor.goto(`${BASE}/e2e/blog.html`);
  await until(() => shown(visitor), { what: 'the launcher on the blog, the conversation going on' });
  await visitor.getByText(question).waitFor({ state: 'attached', timeout: 15_000 });
  const list = await admin.ok('GET', `/api/workspaces/${id}/conversations`);
  assert.equal(list.length, 1, 'one conversation, resumed on the blog');
  assert.equal(list[0].page_url, `${BASE}/e2e/pricing.html?utm_source=ads`, 'the page without its fragment');
  await context.close();
});
