// Screenshots of every visitor-widget state, desktop and mobile, and the admin Overview, into
// docs/screenshots/.
//
//   node scripts/build.mjs --quiet   # once: this script builds nothing itself
//   node scripts/screenshots.mjs            # everything
//   node scripts/screenshots.mjs overview   # only some: `widget`, `overview`
//
// Starts its own `wrangler dev` (temporary state, a snapshot of the build so another build on
// this machine cannot reload it mid-run), seeds fresh workspaces with the demo dialogue, drives
// real Chromium as the visitor and a real agent over the inbox and chat WebSockets, then stops
// the server. Files: docs/screenshots/widget-<state>-<desktop|mobile>.png, plus overview.png, the
// offline form (offline-form.png), the admin Leads view (leads.png) and webhooks.png (the admin's
// Webhooks tab with a delivery log, fed by a local receiver that fails twice before it accepts) on
// desktop. `node scripts/screenshots.mjs <part>…` makes only those parts.
import { mkdtempSync, mkdirSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { root } from './lib/paths.mjs';
import { startServer, devVars, snapshotBuild } from './lib/server.mjs';
import { seedWorkspace, DEMO_AGENTS } from './lib/demo.mjs';
import { Api } from './lib/api.mjs';
import { launchBrowser, Socket, closeAllSockets } from '../tests/e2e/lib.mjs';
import { visitorAsks, acceptAndReply, declineOffer, letExpire } from '../tests/e2e/report-lib.mjs';

const OUT = join(root, 'docs', 'screenshots');
const ALICE = DEMO_AGENTS[0];
const VIEWPORTS = {
  desktop: { viewport: { width: 1280, height: 800 } },
  mobile: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
};
const log = (...a) => console.log('[screenshots]', ...a);
const only = process.argv.slice(2);
const want = (section) => only.length === 0 || only.includes(section);

for (const f of ['dist/index.html', 'dist/widget.js', 'edge/build/worker/shim.mjs', '.dev.vars']) {
  if (!existsSync(join(root, f))) {
    console.error(`missing ${f}: run \`node scripts/build.mjs --quiet\` first`);
    process.exit(1);
  }
}

const state = mkdtempSync(join(os.tmpdir(), 'parlor-shots-'));
// wrangler dev watches its files and reloads (dropping every WebSocket) when another build
// rewrites dist/ or edge/build/, so it runs from a copy.
const snap = join(state, 'snapshot');
snapshotBuild(snap);
const demoPage = readFileSync(join(root, 'dist', 'index.html'), 'utf8');

let server;
let browser;
const sockets = [];
try {
  log('starting wrangler dev');
  // Local webhook endpoints on 127.0.0.1 and a shrunk retry schedule (docs/webhooks.md).
  server = await startServer({ persistTo: join(state, 'persist'), cwd: snap, vars: { WEBHOOKS_LOCAL: '1', WEBHOOK_RETRY_BASE_MS: '200' } });
  const BASE = server.url;
  const WS = BASE.replace(/^http/, 'ws');
  const operator = devVars().ADMIN_TOKEN;
  browser = await launchBrowser();
  mkdirSync(OUT, { recursive: true });

  let n = 0;
  /** A fresh demo workspace with Alice only; optionally her inbox socket open (online). */
  async function workspace(name, settings = {}, { online = true } = {}) {
    const id = `${name}-${(n++).toString(36)}`;
    const key = await seedWorkspace(BASE, operator, { id, settings, agents: [ALICE] });
    if (!online) return { id, key };
    const session = await new Api(BASE).ok('POST', `/api/workspaces/${id}/sessions`, { email: ALICE.email, password: ALICE.password });
    const inbox = await Socket.open(`${WS}/api/workspaces/${id}/inbox/ws?token=${session.token}`);
    sockets.push(inbox);
    inbox.send({ type: 'hello', v: 1 });
    await inbox.waitFor((m) => m.type === 'welcome', 10_000, 'inbox welcome');
    return { id, key, token: session.token, inbox };
  }

  /** The demo marketer page (dist/index.html) embedding the widget for `ws`, at a same-origin URL. */
  async function visitorPage(kind, ws, { open = true } = {}) {
    const context = await browser.newContext({ ...VIEWPORTS[kind], locale: 'en-US' });
    const page = await context.newPage();
    const body = demoPage.replace(
      /<script src="\/widget\.js"[^>]*><\/script>/,
      `<script src="/widget.js" data-workspace="${ws.id}"${open ? ' data-open' : ''} async></script>`,
    );
    await page.route(`${BASE}/shots/page.html*`, (route) => route.fulfill({ contentType: 'text/html', body }));
    await page.goto(`${BASE}/shots/page.html`);
    return { context, page };
  }

  async function shot(page, name, kind) {
    await page.evaluate(() => document.activeElement?.blur?.()); // no caret or focus ring mid-shot
    await page.waitForTimeout(400); // let transitions settle
    const path = join(OUT, `widget-${name}-${kind}.png`);
    await page.screenshot({ path });
    log(`wrote docs/screenshots/widget-${name}-${kind}.png`);
  }

  async function shotAs(page, file) {
    await page.evaluate(() => document.activeElement?.blur?.());
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(OUT, file) });
    log(`wrote docs/screenshots/${file}`);
  }

  const text = (page, t) => page.getByText(t).first();
  const bubble = (page, t) => page.locator('#parlor-widget div.b', { hasText: t }).first();

  async function toCapture(page) {
    await page.getByRole('button', { name: 'Pricing questions' }).click({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Yes, connect me' }).click();
    await page.getByLabel('First name').waitFor();
  }
  async function submitDetails(page) {
    await page.getByLabel('First name').fill('Ada');
    await page.getByLabel('Last name').fill('Lovelace');
    await page.getByLabel('Work email').fill('ada@example.com');
    await page.getByLabel('Company').fill('Analytical Engines');
    await page.getByRole('button', { name: 'Submit' }).click();
    await text(page, 'Connecting you to a sales agent…').waitFor();
  }
  async function accept(ws) {
    const offered = await ws.inbox.waitFor((m) => m.type === 'offered', 15_000, 'offered');
    ws.inbox.send({ type: 'accept', offer: offered.offer.offer });
    await ws.inbox.waitFor((m) => m.type === 'chat_started', 10_000, 'chat_started');
    const chat = await Socket.open(`${WS}/api/workspaces/${ws.id}/conversations/${offered.offer.conversation}/ws?token=${ws.token}`);
    sockets.push(chat);
    chat.send({ type: 'hello', v: 1, last_seq: 0 });
    await chat.waitFor((m) => m.type === 'welcome', 10_000, 'agent chat welcome');
    return chat;
  }
  let said = 0;
  async function agentSays(chat, page, t) {
    chat.send({ type: 'say', client_id: `s${said++}`, text: t });
    await bubble(page, t).waitFor();
  }
  async function visitorSays(page, chat, t) {
    const box = page.getByLabel('Your message');
    await box.fill(t);
    await box.press('Enter');
    await chat.waitFor((m) => m.type === 'entry' && m.entry.event === 'message' && m.entry.text === t, 10_000, 'visitor message');
    await bubble(page, t).waitFor();
  }

  // The admin Overview (missed-chat report) after a morning of known outcomes.
  if (want('overview')) {
    log('— admin overview');
    const ws = await workspace('overview', { accept_timeout_ms: 2000, inactivity_timeout_ms: 120_000 });
    for (const name of ['Ada', 'Ben', 'Cleo']) {
      await acceptAndReply(ws.id, ws.inbox, ws.token, await visitorAsks(ws.id, name, BASE), `Hi ${name}, Alice here. How can I help?`, BASE);
    }
    await declineOffer(ws.inbox, await visitorAsks(ws.id, 'Dee', BASE));
    await letExpire(ws.inbox, await visitorAsks(ws.id, 'Eli', BASE));
    ws.inbox.send({ type: 'set_presence', presence: 'away' });
    await ws.inbox.waitFor((m) => m.type === 'welcome' && m.presence === 'away', 5_000, 'away');
    const nobody = await visitorAsks(ws.id, 'Nia', BASE);
    await nobody.visitor.waitFor((m) => m.type === 'entry' && m.entry.event === 'fallback', 10_000, 'fallback');
    // Tall enough for the chart and both tables.
    const context = await browser.newContext({ viewport: { width: 1280, height: 1280 }, locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${BASE}/admin.html`);
    await page.getByLabel('Workspace', { exact: true }).fill(ws.id);
    await page.getByLabel('Email').fill(ALICE.email);
    await page.getByLabel('Password').fill(ALICE.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('tab', { name: 'Overview' }).click({ timeout: 15_000 });
    await page.getByRole('img', { name: 'Chat requests per day: accepted and missed' }).waitFor({ timeout: 15_000 });
    await page.evaluate(() => document.activeElement?.blur?.());
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(OUT, 'overview.png'), fullPage: true });
    log('wrote docs/screenshots/overview.png');
    await context.close();
  }

  for (const kind of want('widget') ? Object.keys(VIEWPORTS) : []) {
    log(`— ${kind}`);

    // launcher: no data-open; wait until the wasm widget has loaded and mounted (closed).
    {
      const ws = await workspace('launcher', {}, { online: false });
      const { context, page } = await visitorPage(kind, ws, { open: false });
      await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => /\/w\/widget_bg\.[0-9a-f]+\.wasm$/.test(e.name)), null, { timeout: 15_000 });
      await page.waitForLoadState('networkidle');
      await page.waitForTimeout(800);
      await shot(page, 'launcher', kind);
      await context.close();
    }

    // question → capture errors → waiting → chat, one conversation.
    {
      const ws = await workspace('chat');
      const { context, page } = await visitorPage(kind, ws);
      await text(page, 'Hi there! Welcome to Acme Analytics.').waitFor({ timeout: 15_000 });
      await page.getByRole('button', { name: 'Pricing questions' }).waitFor();
      await shot(page, 'question', kind);

      await toCapture(page);
      await page.getByLabel('Work email').fill('ada@');
      await page.getByRole('button', { name: 'Submit' }).click();
      await text(page, 'This field is required.').waitFor();
      await text(page, /valid email address|doesn't look like an email/).waitFor();
      await shot(page, 'capture-errors', kind);

      await submitDetails(page);
      await ws.inbox.waitFor((m) => m.type === 'offered', 15_000, 'offered');
      await text(page, 'Waiting for an agent…').waitFor({ timeout: 5_000 }).catch(() => log('note: "Waiting for an agent…" not shown'));
      await shot(page, 'waiting', kind);

      const chat = await accept(ws);
      await text(page, 'Alice Martin').waitFor();
      await page.locator('#parlor-widget img').first().waitFor();
      await agentSays(chat, page, 'Hi Ada, I am Alice from the sales team. How can I help?');
      await visitorSays(page, chat, 'What does the team plan cost for 20 seats?');
      await agentSays(chat, page, 'The Team plan is $12 per seat per month, so $240 for 20 seats.');
      chat.send({ type: 'typing', on: true });
      await text(page, /is typing/).waitFor({ timeout: 5_000 }).catch(() => log('note: typing indicator not shown'));
      await shot(page, 'chat', kind);
      chat.send({ type: 'typing', on: false });
      await context.close();
    }

    // fallback: Alice online but never accepts; the offer expires after 1 s.
    {
      const ws = await workspace('fallback', { accept_timeout_ms: 1000 });
      const { context, page } = await visitorPage(kind, ws);
      await toCapture(page);
      await submitDetails(page);
      await text(page, 'All our agents are busy right now').waitFor({ timeout: 20_000 });
      await shot(page, 'fallback', kind);
      if (kind === 'desktop') {
        // The offline form, filled in, then the admin's Leads view with that lead.
        const form = page.locator('form[data-card="_offline"]');
        await form.getByLabel('Your message').fill('Could someone call me about the Team plan tomorrow morning?');
        await shotAs(page, 'offline-form.png');
        await form.getByRole('button', { name: 'Submit' }).click();
        await page.locator('p.sy', { hasText: 'Thanks — we\'ll email you at ada@example.com.' }).waitFor();
        const admin = await context.newPage();
        await admin.goto(`${BASE}/admin.html`);
        await admin.getByLabel('Workspace', { exact: true }).fill(ws.id);
        await admin.getByLabel('Workspace admin key (wsk_…)').fill(ws.key);
        await admin.getByRole('button', { name: 'Sign in' }).click();
        await admin.getByRole('tab', { name: 'Leads' }).click({ timeout: 15_000 });
        await admin.getByRole('table', { name: 'Leads' }).getByText('ada@example.com').waitFor({ timeout: 10_000 });
        await shotAs(admin, 'leads.png');
      }
      await context.close();
    }

    // expired: a chat that goes quiet for the 2 s inactivity timeout.
    {
      const ws = await workspace('expired', { inactivity_timeout_ms: 2000 });
      const { context, page } = await visitorPage(kind, ws);
      await toCapture(page);
      await submitDetails(page);
      const chat = await accept(ws).catch((e) => { log(`note: no chat before expiry (${e.message})`); return null; });
      if (chat) {
        await agentSays(chat, page, 'Hi Ada, Alice here. Anything I can help with?').catch(() => {});
      }
      await text(page, 'This conversation has ended due to inactivity.').waitFor({ timeout: 20_000 });
      await shot(page, 'expired', kind);
      await context.close();
    }
  }

  if (want('webhooks')) await webhooksShot();

  /** The Webhooks tab: an endpoint added in the UI (its secret shown once), a chat's events
   * failing twice then delivered, and the delivery log. */
  async function webhooksShot() {
    log('— webhooks');
    const { createServer } = await import('node:http');
    const seen = new Map();
    const rx = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const id = req.headers['webhook-id'];
        const n = (seen.get(id) ?? 0) + 1;
        seen.set(id, n);
        res.writeHead(n <= 2 ? 503 : 204);
        res.end();
      });
    });
    const rxPort = await new Promise((r) => rx.listen(0, '127.0.0.1', () => r(rx.address().port)));
    try {
      const ws = await workspace('webhooks');
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
      const page = await context.newPage();
      await page.goto(`${BASE}/admin.html`);
      await page.getByLabel('Workspace', { exact: true }).fill(ws.id);
      await page.getByLabel('Workspace admin key (wsk_…)').fill(ws.key);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('tab', { name: 'Webhooks' }).click({ timeout: 15_000 });
      await page.getByLabel('URL (https://…)').fill(`http://127.0.0.1:${rxPort}/parlor-events`);
      await page.getByLabel('Description (optional)').fill('CRM sync');
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      await page.locator('#webhook-secret').waitFor({ timeout: 10_000 });

      // One chat: requested, accepted, a few messages, ended by the visitor.
      const started = await new Api(BASE).ok('POST', '/api/visitor/conversations', { workspace: ws.id, page_url: 'https://www.example.com/pricing', language: 'en' });
      const visitor = await Socket.open(`${WS}/api/visitor/ws?token=${encodeURIComponent(started.token)}`);
      sockets.push(visitor);
      visitor.send({ type: 'hello', v: 1, last_seq: 0 });
      await visitor.waitFor((m) => m.type === 'welcome', 10_000, 'visitor welcome');
      const entry = (event, pred = () => true) => visitor.waitFor((m) => m.type === 'entry' && m.entry.event === event && pred(m.entry), 10_000, event);
      visitor.send({ type: 'answer', card: 'intent', button: 'pricing' });
      await entry('card', (e) => e.card.id === 'connect');
      visitor.send({ type: 'answer', card: 'connect', button: 'yes' });
      await entry('card', (e) => e.card.id === 'details');
      visitor.send({ type: 'capture', card: 'details', values: { first_name: 'Ada', email: 'ada@example.com' } });
      const chat = await accept(ws);
      chat.send({ type: 'say', client_id: 'h1', text: 'Hi Ada, how can I help?' });
      await entry('message');
      visitor.send({ type: 'end' });
      await entry('ended');
      // Each event: two 503s, then delivered on the third attempt (~12 s with this schedule).
      const deadline = Date.now() + 60_000;
      while ([...seen.values()].filter((v) => v >= 3).length < 3 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
      }
      await page.getByRole('button', { name: 'Delivery log' }).click();
      await page.locator('table.log').waitFor({ timeout: 10_000 });
      await page.evaluate(() => document.activeElement?.blur?.());
      await page.waitForTimeout(400);
      await page.screenshot({ path: join(OUT, 'webhooks.png'), fullPage: true });
      log('wrote docs/screenshots/webhooks.png');
      await context.close();
    } finally {
      rx.closeAllConnections?.();
      rx.close();
    }
  }
} finally {
  for (const s of sockets) { try { s.ws.terminate(); } catch {} }
  closeAllSockets();
  await browser?.close().catch(() => {});
  await server?.stop();
  rmSync(state, { recursive: true, force: true });
}
log('done');
