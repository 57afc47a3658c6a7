// The widget on a customer's site: another origin than Parlor's. The loader, the wasm and the
// API must work cross-origin (CORS), and a workspace's allowed origins must be enforced.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launchBrowser, freshWorkspace } from './lib.mjs';

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

test('a site missing from allowed_origins gets no conversation', async () => {
  const { id, admin } = await freshWorkspace('embedno', { settings: { allowed_origins: ['https://www.example.com'] } });
  const context = await browser.newContext();
  const page = await customerPage(context, id);
  const refused = page.waitForResponse((r) => r.url().endsWith('/api/visitor/conversations') && r.request().method() === 'POST');
  await page.goto(`${SITE}/landing.html`);
  const resp = await refused;
  assert.equal(resp.status(), 403);
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

test('the inbox and admin pages forbid inline scripts and framing; the widget files allow any site', async () => {
  for (const page of ['/inbox', '/admin']) {
    const r = await fetch(`${BASE}${page}`);
    assert.equal(r.status, 200);
    const csp = r.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  }
  for (const file of ['/widget.js', '/w/widget.js', '/w/widget_bg.wasm']) {
    const r = await fetch(`${BASE}${file}`);
    assert.equal(r.status, 200, file);
    assert.equal(r.headers.get('access-control-allow-origin'), '*', file);
  }
});
