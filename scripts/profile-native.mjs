// Where workerd's own time goes during one step of the routing storm: `perf record` on the
// workerd processes (no inspector attached, so the server runs as in the bench), then `perf
// report` by shared object and by symbol. V8's profiler (scripts/profile-cpu.mjs) shows a
// statement or a send as one native line; this splits those lines into SQLite, the runtime's
// C++ and the kernel. JIT-compiled JavaScript and wasm show as unnamed addresses ("[JIT]").
// Usage (after `node scripts/build.mjs`): node scripts/profile-native.mjs [rates] [warm|cold]
// `rates` is one step's rate or a comma list (e.g. 100,200,300,400: the steps of the bench,
// each on the state the earlier ones left); only the last step is recorded.
// `node scripts/profile-native.mjs chat [parlor|durable-echo|echo] [conversations] [seconds]`
// records the chat load's measured window instead (the bench's schedule: one message per 5 s
// per side), to set a chat message's native lines beside an echo's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { echoChat, parlorChat } from './bench/chat.mjs';
import { STORM_AGENTS, STORM_CAPACITY, routingStorm } from './bench/storm.mjs';
import { attachPerf, workerdPids } from './lib/commits.mjs';
import { seedWorkspace } from './lib/demo.mjs';
import { devVars, loadUrl, snapshotBuild, startServer } from './lib/server.mjs';

const chat = process.argv[2] === 'chat';
const rates = chat ? [] : (process.argv[2] ?? '300').split(',').map(Number);
const mode = process.argv[3] ?? (chat ? 'parlor' : 'warm');
if (chat && !['parlor', 'durable-echo', 'echo'].includes(mode)) {
  console.error('usage: node scripts/profile-native.mjs chat [parlor|durable-echo|echo] [conversations] [seconds]');
  process.exit(2);
}
const state = mkdtempSync(join(tmpdir(), 'parlor-native-'));
const data = join(state, 'perf.data');
const server = await startServer({ persistTo: join(state, 'persist'), cwd: snapshotBuild(join(state, 'snapshot')), vars: { BENCH_ECHO: '1' }, inspector: false });
// As the bench: the load goes straight to the Worker's runtime, past the dev server's proxy.
const base = loadUrl(server);
try {
  const operator = devVars().ADMIN_TOKEN;
  await seedWorkspace(base, operator);
  let perf;
  let step = 0;
  const onWindow = async (edge) => {
    if (edge === 'start' && ++step < rates.length) return;
    if (step < rates.length) return;
    if (edge === 'start') {
      perf = attachPerf(['record', '-F', '999', '-g', '-o', data], workerdPids(server.pid), ['ignore', 'ignore', 'ignore']);
      await perf.ready;
    } else await perf.stop();
  };
  if (chat) {
    // The chat's one window is recorded whole: with no rates, `onWindow` records the first window.
    const n = Number(process.argv[4] ?? 1000);
    const opts = { tag: 'native', intervalMs: 5000, durationMs: Number(process.argv[5] ?? 30) * 1000, rootPid: server.pid, onWindow };
    const r = mode === 'parlor'
      ? await parlorChat(base, operator, { ...opts, n, capacity: 10, setupBudgetMs: 120_000 })
      : await echoChat(base, { ...opts, kind: mode, m: n });
    console.log(`chat ${mode}, ${n} conversations: p99 ${r.latency.p99?.toFixed(1)} ms, ${r.delivered} messages`);
  } else {
    const { steps } = await routingStorm(base, operator, { mode, rates, stepMs: 5000, agents: STORM_AGENTS, capacity: STORM_CAPACITY, thresholdMs: 250, rootPid: server.pid, baseline: false, onWindow });
    for (const s of steps) console.log(`storm ${mode} ${s.rate}/s: p99 ${s.latency.p99?.toFixed(1)} ms, ${s.requests} requests`);
  }
  for (const sort of ['dso', 'sym']) {
    const r = spawnSync('perf', ['report', '-i', data, '--no-children', '--sort', sort, '--stdio', '--percent-limit', sort === 'dso' ? '0.5' : '0.4', '-g', 'none'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    console.log(r.stdout.split('\n').filter((l) => l && !l.startsWith('#')).slice(0, 70).join('\n'));
  }
  byEvent(data);
} finally {
  await server.stop();
  if (!process.env.KEEP_PERF) rmSync(state, { recursive: true, force: true });
  else console.log(`perf data kept: ${data}`);
}
process.exit(0);

/**
 * The busiest thread's samples (the one that runs every object) by the kind of event they
 * serve: a socket message into an object, a call between objects, an alarm, a new instance of
 * an object (its database opened), or the rest (commits after an event, the event loop, sends).
 */
function byEvent(file) {
  const r = spawnSync('perf', ['script', '-i', file, '-F', 'tid,ip,sym'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const samples = [];
  let stack = null;
  for (const line of r.stdout.split('\n')) {
    const head = line.match(/^\s*(\d+)\s*$/) ?? line.match(/^\s*(\d+)\s+\S/);
    if (head && !line.startsWith('\t') && !/^\s{8}/.test(line)) {
      stack = { tid: head[1], frames: [] };
      samples.push(stack);
    } else if (stack && line.trim()) stack.frames.push(line.trim().split(' ').slice(1).join(' '));
  }
  const threads = new Map();
  for (const s of samples) threads.set(s.tid, (threads.get(s.tid) ?? 0) + 1);
  const [busiest, n] = [...threads].sort((a, b) => b[1] - a[1])[0] ?? [];
  if (!n) return;
  const kinds = [
    ['a socket message into an object', /HibernatableWebSocketCustomEvent/],
    ['a call between objects', /JsRpcTarget/],
    ['an alarm', /AlarmCustomEvent|runAlarm/],
    ['a new instance (database opened)', /Actor::Impl::Impl|worker_new_actor/],
  ];
  const counts = new Map();
  for (const s of samples.filter((x) => x.tid === busiest)) {
    const kind = kinds.find(([, re]) => s.frames.some((f) => re.test(f)))?.[0] ?? 'the rest (commits, the event loop, sends)';
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  console.log(`\nthe busiest thread (${((100 * n) / samples.length).toFixed(0)} % of all samples), by event:`);
  for (const [kind, k] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${((100 * k) / n).toFixed(1).padStart(5)} %  ${kind}`);
}
