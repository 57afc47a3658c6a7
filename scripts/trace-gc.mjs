// The collector's own record of the chat load's window: V8's `--trace-gc-nvp` record of every
// collection of the Worker's isolate (sizes, pause and its phases, reason), read from
// workerd's output, for Parlor's conversations or one of the echoes, on a fresh server with its
// state on tmpfs. `scripts/lib/gc-pauses.mjs` counts the pauses from outside without changing
// the server; this says what each collection freed and kept: how large the young generation
// is, how much of a window's allocation outlives it (promoted to the old generation, where only
// a full collection frees it), and so how often full collections come.
// Usage (after `node scripts/build.mjs`):
//   node scripts/trace-gc.mjs [parlor|durable-echo|echo] [conversations] [seconds]
// TRACE_GC_FLAGS adds V8 flags for a what-if run (e.g. "--max-semi-space-size=1"); the
// platform's own flags are not ours to set, so such a run explains a tail, it does not fix one.
// TRACE_GC_RAW=<file> also keeps the window's raw record.
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { echoChat, parlorChat } from './bench/chat.mjs';
import { seedWorkspace } from './lib/demo.mjs';
import { workerdBinary } from './lib/elf.mjs';
import { devVars, loadUrl, snapshotBuild, startServer } from './lib/server.mjs';

const kind = process.argv[2] ?? 'parlor';
const n = Number(process.argv[3] ?? 1000);
const seconds = Number(process.argv[4] ?? 30);
if (!['parlor', 'durable-echo', 'echo'].includes(kind) || !(n > 0) || !(seconds > 0)) {
  console.error('usage: node scripts/trace-gc.mjs [parlor|durable-echo|echo] [conversations] [seconds]');
  process.exit(2);
}
const binary = workerdBinary();
if (!binary) {
  console.error('workerd is not installed (npm install)');
  process.exit(1);
}

const state = mkdtempSync(join('/dev/shm', 'parlor-trace-gc-'));
const out = join(state, 'workerd.out');
writeFileSync(out, '');
// workerd's stdout goes to the dev server, which keeps only its structured log lines; a wrapper
// copies it to a file first, line-buffered so the window's edges are where the lines are.
const wrapper = join(state, 'workerd.sh');
writeFileSync(wrapper, `#!/bin/bash\nexec > >(tee -a '${out}')\nexec stdbuf -oL '${binary}' "$@"\n`);
chmodSync(wrapper, 0o755);
process.env.MINIFLARE_WORKERD_PATH = wrapper;
process.env.MINIFLARE_WORKERD_V8_FLAGS = ['--trace-gc-nvp', process.env.TRACE_GC_FLAGS ?? ''].join(' ').trim();

const edges = {};
const onWindow = (edge) => { edges[edge] = statSync(out).size; };
let result;
let windowText;
try {
  const server = await startServer({ persistTo: join(state, 'persist'), cwd: snapshotBuild(join(state, 'snapshot')), vars: { BENCH_ECHO: '1' }, inspector: false });
  try {
    const base = loadUrl(server);
    const opts = { tag: 'trace-gc', intervalMs: 5000, durationMs: seconds * 1000, rootPid: server.pid, onWindow };
    if (kind === 'parlor') {
      const operator = devVars().ADMIN_TOKEN;
      await seedWorkspace(base, operator);
      result = await parlorChat(base, operator, { ...opts, n, capacity: 10, setupBudgetMs: 120_000 });
    } else {
      result = await echoChat(base, { ...opts, kind, m: n });
    }
  } finally {
    await server.stop();
  }
  // The edges are byte offsets of the file.
  windowText = readFileSync(out).subarray(edges.start, edges.end).toString('utf8');
  if (process.env.TRACE_GC_RAW) writeFileSync(process.env.TRACE_GC_RAW, windowText);
} finally {
  rmSync(state, { recursive: true, force: true });
}
summarize(windowText, result);
process.exit(0);

/**
 * For the isolate that collected most in the window (the Worker's; the dev server's own workers
 * barely allocate), one paragraph per kind of collection: how many, their pauses, their largest
 * phases, and for the young generation its size, what survived and what was promoted.
 */
function summarize(windowText, chat) {
  // [pid:isolate:0]   1234 ms: GC: {"pause":7.4,"gc":"s",...}   (--trace-gc-nvp)
  const re = /^\[\d+:(0x[0-9a-f]+)[^\]]*\]\s+(\d+) ms: GC: (\{.*\})\s*$/;
  const byIsolate = new Map();
  for (const line of windowText.split('\n')) {
    const m = line.match(re);
    if (!m) continue;
    let gc;
    try { gc = JSON.parse(m[3]); } catch { continue; }
    const list = byIsolate.get(m[1]) ?? [];
    list.push({ at: Number(m[2]), ...gc });
    byIsolate.set(m[1], list);
  }
  const [events] = [...byIsolate.values()].sort((a, b) => b.length - a.length);
  console.log(`\n${kind}, ${n} ${kind === 'parlor' ? 'conversations' : 'socket pairs'}, ${seconds} s window: p99 ${chat.latency.p99?.toFixed(1)} ms, ${chat.sent} messages`);
  if (!events?.length) {
    console.log('no collection in the window');
    return;
  }
  const mean = (list, key) => list.reduce((a, e) => a + (Number(e[key]) || 0), 0) / list.length;
  const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  const names = { s: 'young generation (scavenge)', mms: 'young generation (minor mark-sweep)', mc: 'full (mark-compact)' };
  for (const what of [...new Set(events.map((e) => e.gc))]) {
    const list = events.filter((e) => e.gc === what);
    const pauses = list.map((e) => e.pause);
    const sum = pauses.reduce((a, b) => a + b, 0);
    const reasons = [...new Set(list.map((e) => e.reason))].join('; ');
    console.log(`  ${names[what] ?? what}: ${list.length} in ${seconds} s, ${sum.toFixed(0)} ms in all, longest ${Math.max(...pauses).toFixed(1)} ms, mean ${(sum / list.length).toFixed(1)} ms (started by: ${reasons})`);
    // The phases that took longest on average (V8's names), the pause's own parts.
    const phases = Object.keys(list[0]).filter((k) => k.includes('.') && typeof list[0][k] === 'number')
      .map((k) => [k, mean(list, k)]).filter(([, v]) => v >= 0.2).sort((a, b) => b[1] - a[1]).slice(0, 6);
    if (phases.length) console.log(`    largest phases, mean ms: ${phases.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
    if (what === 's' || what === 'mms') {
      const promoted = list.reduce((a, e) => a + (e.promoted ?? 0), 0);
      // The mean interval between them: the first to the last, over the gaps between.
      const every = list.length > 1 ? (list.at(-1).at - list[0].at) / (list.length - 1) : null;
      console.log(`    young generation ${mb(mean(list, 'new_space_capacity'))} on average${every == null ? '' : `, collected every ${(every / 1000).toFixed(1)} s`}; ${mb(mean(list, 'new_space_survived'))} survived each, ${mb(mean(list, 'promoted'))} promoted each (${mean(list, 'promotion_ratio').toFixed(0)} % of the young generation's objects)`);
      console.log(`    promoted in the window: ${mb(promoted)}, ${((promoted / Math.max(1, chat.sent))).toFixed(0)} B a message; allocation throughput as V8 reckons it ${mean(list, 'allocation_throughput').toFixed(0)} B/ms (V8 shrinks the young generation below 1,000)`);
    }
  }
  // Only a full collection frees the runtime's own objects (cppgc), so the live size is read after one.
  const full = events.filter((e) => e.gc === 'mc').at(-1);
  if (full) console.log(`  live after the window's last full collection: ${mb(full.end_object_size)} of JavaScript objects, ${mb(full.end_global_consumed_size)} with the runtime's own (cppgc) heap`);
}
