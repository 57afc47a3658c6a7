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
    this.ws.on('close', (code, reason) => { this.closed = { code, reason: reason.toString() }; });
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
