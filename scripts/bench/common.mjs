// Shared helpers for `npm run bench`: progress output, statistics, process memory, a small
// WebSocket client with a frame callback, and a bounded-concurrency pool.
import { readFileSync, readdirSync } from 'node:fs';
import WebSocket from 'ws';
import { workerdPids } from '../lib/commits.mjs';

const t0 = Date.now();
/** Progress line with the elapsed time since the bench started. */
export function log(...args) {
  const s = ((Date.now() - t0) / 1000).toFixed(0).padStart(4);
  console.log(`[bench ${s}s]`, ...args);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Percentile (nearest rank) of an array of numbers; null when empty. */
export function pct(values, p) {
  if (!values.length) return null;
  const s = Float64Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const median = (v) => pct(v, 50);

export function summary(values) {
  return { n: values.length, p50: pct(values, 50), p95: pct(values, 95), p99: pct(values, 99), max: pct(values, 100) };
}

export const fmtMs = (v, digits = 1) => (v == null || Number.isNaN(v) ? 'n/a' : `${v.toFixed(digits)} ms`);
export const fmtInt = (v) => (v == null ? 'n/a' : Math.round(v).toLocaleString('en-US'));
export const fmtKB = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

/** Runs `fn(i)` for i in [0, n) with at most `limit` in flight; collects results and errors. */
export async function pool(n, limit, fn, onProgress) {
  let next = 0;
  let done = 0;
  const results = new Array(n);
  const errors = [];
  async function worker() {
    while (next < n) {
      const i = next++;
      try {
        results[i] = await fn(i);
      } catch (e) {
        errors.push(e);
      }
      done += 1;
      onProgress?.(done);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
  return { results, errors };
}

/** Sum of VmRSS (bytes) of the given `workerd` processes. */
function rssOf(pids) {
  let total = 0;
  let count = 0;
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      total += Number(status.match(/^VmRSS:\s*(\d+) kB/m)?.[1] ?? 0) * 1024;
      count += 1;
    } catch {}
  }
  return { bytes: total, processes: count };
}

/**
 * Sum of VmRSS (bytes) of every `workerd` process under `rootPid`, for sampling during a
 * measurement. The processes are found once, then only their status is read (found again if
 * one is gone): walking every /proc entry blocks this process for milliseconds, a message
 * arriving meanwhile is stamped late, and once a second it was most of the load generator's
 * stalls (docs/performance.md, stop 60).
 */
export function rssSampler(rootPid) {
  let pids = workerdPids(rootPid);
  return () => {
    const r = rssOf(pids);
    if (r.processes === pids.length) return r;
    pids = workerdPids(rootPid);
    return rssOf(pids);
  };
}

/** A WebSocket that parses JSON frames, hands each to `onFrame`, and can wait for one. */
export class Sock {
  static open(url, onFrame, timeout = 15_000) {
    return new Promise((resolve, reject) => {
      const s = new Sock(url, onFrame);
      const t = setTimeout(() => { s.ws.terminate(); reject(new Error(`socket open timed out: ${url.replace(/token=[^&]+/, 'token=…')}`)); }, timeout);
      s.ws.once('open', () => { clearTimeout(t); resolve(s); });
      s.ws.once('error', (e) => { clearTimeout(t); reject(e); });
      s.ws.once('unexpected-response', (_req, res) => { clearTimeout(t); reject(new Error(`upgrade refused: ${res.statusCode}`)); });
    });
  }

  constructor(url, onFrame) {
    this.onFrame = onFrame;
    this.waiters = [];
    this.keep = [];
    this.closed = null;
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    this.ws.on('message', (data) => {
      const now = performance.now();
      let msg;
      try { msg = JSON.parse(data.toString()); } catch { return; }
      this.onFrame?.(msg, now);
      if (this.waiters.length) this.waiters = this.waiters.filter((w) => !w(msg, now));
    });
    this.ws.on('close', (code) => { this.closed = code; });
    this.ws.on('error', () => {});
  }

  send(msg) {
    this.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  }

  /** Resolves with [frame, receivedAt] for the next frame matching `pred`. */
  waitFor(pred, timeout = 20_000, what = 'frame') {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for ${what}`));
      }, timeout);
      const waiter = (msg, now) => {
        if (!pred(msg)) return false;
        clearTimeout(t);
        resolve([msg, now]);
        return true;
      };
      this.waiters.push(waiter);
    });
  }

  close() {
    try { this.ws.close(); } catch {}
  }
}

/** The pid of the `wrangler dev` process listening on `port` (the root of its workerd tree). */
export function serverPid(port) {
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const i = args.indexOf('--port');
      if (args.some((a) => a.includes('wrangler')) && args.includes('dev') && i >= 0 && args[i + 1] === String(port)) found.push(Number(name));
    } catch {}
  }
  return found.sort((a, b) => a - b)[0] ?? null;
}

/** CPU seconds used so far by the workerd processes under `rootPid`. */
export function workerdCpu(rootPid) {
  let ticks = 0;
  const stack = [rootPid];
  const all = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  const parent = new Map();
  for (const n of all) {
    try {
      const stat = readFileSync(`/proc/${n}/stat`, 'utf8');
      parent.set(Number(n), { ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), stat });
    } catch {}
  }
  while (stack.length) {
    const pid = stack.pop();
    for (const [c, { ppid, stat }] of parent) {
      if (ppid !== pid) continue;
      stack.push(c);
      if (stat.includes('(workerd')) {
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks += Number(f[11]) + Number(f[12]); // utime + stime
      }
    }
  }
  return ticks / 100;
}

/** Waits (at most `maxMs`) until workerd uses < 15% of a core, so a backlog left by one
 *  section does not leak into the next. Returns the seconds waited. */
export async function waitQuiet(rootPid, maxMs = 60_000) {
  if (!rootPid) return 0;
  const start = Date.now();
  let prev = workerdCpu(rootPid);
  for (;;) {
    await sleep(1000);
    const cur = workerdCpu(rootPid);
    if (cur - prev < 0.15 || Date.now() - start > maxMs) break;
    prev = cur;
  }
  return (Date.now() - start) / 1000;
}

/** Local workerd closes an idle object's SQLite database (a WAL checkpoint and an fsync) on its
 *  one thread some 10 s after the object's last event, in a burst for objects that went idle
 *  together: a stall of 100–900 ms measured here (perf: ActorContainer::handleShutdown →
 *  sqlite3WalCheckpoint). Production spreads objects over many machines. So after a batch of
 *  objects goes idle, a measurement waits for that burst before it starts. */
export async function settleObjects(rootPid, waitMs = Number(process.env.BENCH_EVICTION_WAIT_MS ?? 20_000)) {
  await sleep(waitMs);
  return waitQuiet(rootPid);
}
