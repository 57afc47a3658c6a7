// Section 5: page impact. The demo page in headless Chromium with and without the widget
// (the loader answered with an empty script), alternating, N runs each. Total Blocking Time =
// Σ max(0, long task − 50 ms), observed from before the page's first script until 5 s after
// `load`, so the loader's idle-time wasm fetch and instantiation are inside the window.
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../tests/e2e/lib.mjs';
import { log, median, sleep } from './common.mjs';

const OBSERVER = `
  window.__longtasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longtasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) { window.__longtasks = null; }
`;

async function once(browser, base, withWidget, afterLoadMs) {
  const context = await browser.newContext();
  try {
    await context.addInitScript(OBSERVER);
    if (!withWidget) {
      await context.route('**/widget.js', (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: '' }));
    }
    const page = await context.newPage();
    await page.goto(`${base}/`, { waitUntil: 'load', timeout: 30_000 });
    await sleep(afterLoadMs);
    return await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const tasks = window.__longtasks ?? [];
      const wasm = performance.getEntriesByType('resource').filter((r) => r.name.endsWith('.wasm'));
      return {
        dcl: nav.domContentLoadedEventEnd - nav.startTime,
        load: nav.loadEventEnd - nav.startTime,
        tbt: tasks.reduce((s, d) => s + Math.max(0, d - 50), 0),
        longTasks: tasks.length,
        wasmLoaded: wasm.length > 0,
        observer: window.__longtasks !== null,
      };
    });
  } finally {
    await context.close();
  }
}

export async function pageImpact(base, { runs, afterLoadMs = 5_000 }) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  const out = { with: [], without: [] };
  try {
    await once(browser, base, true, 500); // warm-up: compiles caches, fills the OS page cache
    for (let i = 0; i < runs; i++) {
      for (const w of [true, false]) {
        const r = await once(browser, base, w, afterLoadMs);
        out[w ? 'with' : 'without'].push(r);
      }
      log(`page: run ${i + 1}/${runs} (with: load ${out.with[i].load.toFixed(0)} ms, TBT ${out.with[i].tbt.toFixed(0)} ms; without: load ${out.without[i].load.toFixed(0)} ms, TBT ${out.without[i].tbt.toFixed(0)} ms)`);
    }
  } finally {
    await browser.close();
  }
  const med = (arr, k) => median(arr.map((r) => r[k]));
  const agg = (arr) => ({
    dcl: med(arr, 'dcl'), load: med(arr, 'load'), tbt: med(arr, 'tbt'),
    longTasks: med(arr, 'longTasks'), wasmLoaded: arr.filter((r) => r.wasmLoaded).length, observer: arr.every((r) => r.observer),
  });
  return { runs, afterLoadMs, with: agg(out.with), without: agg(out.without), raw: out };
}
