// Shared helpers for the end-to-end suite: the server under test, API clients, real Chromium.
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { Api } from '../../scripts/lib/api.mjs';
import { seedWorkspace, demoDialogue, DEMO_AGENTS } from '../../scripts/lib/demo.mjs';

export const BASE = process.env.PARLOR_URL ?? 'http://127.0.0.1:8787';
export const OPERATOR = process.env.PARLOR_ADMIN_TOKEN ?? '';
export { Api, demoDialogue, DEMO_AGENTS };

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  // Pages served through route interception count as "public"; let them reach the loopback server.
  '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests',
];

export async function launchBrowser() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

let counter = 0;
/** A fresh workspace with the demo agents and dialogue; returns its admin API client. */
export async function freshWorkspace(prefix, opts = {}) {
  const id = `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
  const key = await seedWorkspace(BASE, OPERATOR, { id, ...opts });
  return { id, admin: new Api(BASE, key) };
}

/** The demo workspace's admin client (seeded by the test runner). */
export function demoAdmin() {
  return new Api(BASE, process.env.PARLOR_DEMO_KEY);
}

/** Serves a page embedding the widget for `workspace` at a same-origin URL. */
export async function widgetPage(context, workspace, path = '/e2e/page.html') {
  const page = await context.newPage();
  await page.route(`${BASE}${path}*`, (route) => route.fulfill({
    contentType: 'text/html',
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test page</title>
      <style>button{color:red!important;font-size:40px!important}</style></head>
      <body><h1>Host page</h1><p>Some content.</p>
      <script src="/widget.js" data-workspace="${workspace}" data-open async></script></body></html>`,
  }));
  return page;
}

/** Sockets not closed yet (see closeAllSockets). */
const opened = new Set();

/** A JSON WebSocket client that records every frame and can wait for one. */
export class Socket {
  static open(url) {
    return new Promise((resolve, reject) => {
      const s = new Socket(url);
      s.ws.once('open', () => resolve(s));
      s.ws.once('error', reject);
      s.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  constructor(url) {
    this.frames = [];
    this.waiters = [];
    this.closed = null;
    this.ws = new WebSocket(url);
    this.ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      this.frames.push(msg);
      this.waiters = this.waiters.filter((w) => !w(msg));
    });
    this.ws.on('close', (code, reason) => { this.closed = { code, reason: reason.toString() }; opened.delete(this); });
    // Every socket is remembered until it closes, so a failed test cannot leave one open and keep
    // its file's process (and the suite) alive (see closeAllSockets).
    opened.add(this);
  }

  send(msg) {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Resolves with the first frame (already received or future) matching `pred`. */
  waitFor(pred, timeout = 10_000, what = 'frame') {
    const found = this.frames.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames.slice(-5))}`)), timeout);
      this.waiters.push((msg) => {
        if (!pred(msg)) return false;
        clearTimeout(t);
        resolve(msg);
        return true;
      });
    });
  }

  close() {
    this.ws.close();
  }
}

export const wsUrl = (path) => BASE.replace(/^http/, 'ws') + path;

// ---- Browserless API helpers (api_*.test.mjs, restart_*.test.mjs) ----

/** Opens a Socket (remembered by its constructor until closed; see closeAllSockets). */
function track(url) {
  return Socket.open(url);
}

/** Terminates every socket opened by the helpers below; use in `afterEach`. */
export function closeAllSockets() {
  for (const s of opened) { try { s.ws.terminate(); } catch {} }
  opened.clear();
}

/** Signs an agent in; returns the session token. */
export async function signIn(workspace, agent, base = BASE) {
  const r = await new Api(base).call('POST', `/api/workspaces/${workspace}/sessions`, { email: agent.email, password: agent.password });
  if (r.status !== 201 && r.status !== 200) throw new Error(`sign-in ${agent.email} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.token;
}

/** Opens an agent's inbox socket and waits for its welcome. */
export async function openInbox(workspace, token, base = BASE) {
  const s = await track(`${base.replace(/^http/, 'ws')}/api/workspaces/${workspace}/inbox/ws?token=${encodeURIComponent(token)}`);
  s.send({ type: 'hello', v: 1 });
  await s.waitFor((m) => m.type === 'welcome', 10_000, 'inbox welcome');
  return s;
}

/** Opens an agent's chat socket for a conversation they hold and waits for its welcome. */
export async function openAgentChat(workspace, conversation, token, { lastSeq = 0, base = BASE } = {}) {
  const s = await track(`${base.replace(/^http/, 'ws')}/api/workspaces/${workspace}/conversations/${conversation}/ws?token=${encodeURIComponent(token)}`);
  s.send({ type: 'hello', v: 1, last_seq: lastSeq });
  await s.waitFor((m) => m.type === 'welcome', 10_000, 'agent chat welcome');
  return s;
}

/** Starts a visitor conversation over HTTP: `{conversation, token}`. */
export async function startVisitor(workspace, { page_url = 'https://www.example.com/pricing', language = 'en', base = BASE } = {}) {
  return new Api(base).ok('POST', '/api/visitor/conversations', { workspace, page_url, language });
}

/** Opens a visitor socket with `hello {last_seq}` and waits for its welcome. */
export async function openVisitor(token, { lastSeq = 0, base = BASE } = {}) {
  const s = await track(`${base.replace(/^http/, 'ws')}/api/visitor/ws?token=${encodeURIComponent(token)}`);
  s.send({ type: 'hello', v: 1, last_seq: lastSeq });
  await s.waitFor((m) => m.type === 'welcome', 10_000, 'visitor welcome');
  return s;
}

/** The transcript entries a socket has received, by event name (or all). */
export function entriesOf(socket, event) {
  return socket.frames.filter((m) => m.type === 'entry' && (!event || m.entry.event === event)).map((m) => m.entry);
}

/** Waits for a transcript entry with this event (and optional predicate) on a socket. */
export function waitEntry(socket, event, pred = () => true, timeout = 10_000) {
  return socket.waitFor((m) => m.type === 'entry' && m.entry.event === event && pred(m.entry), timeout, `entry ${event}`)
    .then((m) => m.entry);
}

/**
 * Walks the demo dialogue to its live chat card: pricing → yes → details.
 * Returns the captured values once routing has been requested.
 */
export async function askForLiveChat(visitor, values = { first_name: 'Ada', email: 'ada@example.com' }) {
  visitor.send({ type: 'answer', card: 'intent', button: 'pricing' });
  await waitEntry(visitor, 'card', (e) => e.card.id === 'connect');
  visitor.send({ type: 'answer', card: 'connect', button: 'yes' });
  await waitEntry(visitor, 'card', (e) => e.card.id === 'details');
  visitor.send({ type: 'capture', card: 'details', values });
  await waitEntry(visitor, 'live_chat_requested');
  return values;
}

/** A WebSocket upgrade that is expected to be refused: resolves with `{status, body}`. */
export function refusedUpgrade(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => { ws.close(); reject(new Error(`upgrade unexpectedly accepted: ${url}`)); });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(body); } catch {}
        resolve({ status: res.statusCode, contentType: res.headers['content-type'], body: json ?? body });
      });
    });
    ws.once('error', () => {});
  });
}

/** Sequence numbers of a socket's `entry` frames, in arrival order. */
export const seqsOf = (socket) => entriesOf(socket).map((e) => e.seq);

/** Resolves once `pred()` (sync or async) is truthy; polls every `every` ms up to `timeout`. */
export async function until(pred, { timeout = 10_000, every = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await pred();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Saves a screenshot for the docs only when asked (PARLOR_SCREENSHOTS=1), so test runs leave the tree clean. */
export async function shot(page, path) {
  if (process.env.PARLOR_SCREENSHOTS === '1') await page.screenshot({ path });
}
