// `npm run bench`: builds, measures, and writes BENCHMARKS.md. Sections live in scripts/bench/:
//   1. size (target/sizes.json)   2. chat load vs a bare echo Durable Object (chat.mjs)
//   3. routing storm (storm.mjs)  4. core criterion + simulation (core.mjs)  5. page impact (page.mjs)
// Bounded in count and time (aim: < 15 minutes on 2 cores); loopback only.
// Env: BENCH_CONVERSATIONS (default 1000), BENCH_MSG_INTERVAL_MS (5000), BENCH_DURATION_MS (60000: each chat row's measured window),
//      BENCH_CHAT_STORAGE (disk,tmpfs: where the server's state lives for the chat point of
//      BENCH_CONVERSATIONS conversations; the 100-conversation point runs on disk),
//      BENCH_CHAT_ROUNDS (3: rounds of Parlor + both echoes at 1,000 conversations; the median
//      round by the target's ratio is reported, every round's ratio beside it),
//      BENCH_STORM_STEP_MS (5000), BENCH_STORM_STORAGE (disk,tmpfs: where the server's state lives
//      for the storms), BENCH_STORM_BASELINE (1; 0 leaves out the durable echo step after each storm
//      step), BENCH_PAGE_RUNS (5), BENCH_SKIP (comma list of sections to skip), BENCH_VIA
//      (runtime: the load goes straight to the Worker's workerd process; proxy: through the dev
//      server's proxy, as before stop 54).
// Quick loops: BENCH_ONLY (comma list of sections to run: chat, storm, page, core; the report then
//      goes to target/bench-partial.json, not BENCHMARKS.md), BENCH_NO_BUILD=1 (use the existing
//      build), BENCH_STORM_RATES / BENCH_COLD_RATES (comma lists of storm steps, requests/s),
//      BENCH_STORM_TRACE=1 (log each step's slow requests: offset into the step and latency),
//      BENCH_EVICTION_WAIT_MS (20000: the wait for idle objects to be closed, see common.mjs),
//      BENCH_PAGE_REPORTING=keep (leave the virtual machine's free page reporting on; see
//      scripts/lib/calibrate.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { root } from './lib/paths.mjs';
import { startServer, devVars, LOAD_VIA as VIA, loadUrl, snapshotBuild } from './lib/server.mjs';
import { seedWorkspace } from './lib/demo.mjs';
import { log } from './bench/common.mjs';
import { parlorChat, echoChat, medianRound } from './bench/chat.mjs';
import { calibrate } from './lib/calibrate.mjs';
import { STORM_AGENTS, STORM_CAPACITY, routingStorm } from './bench/storm.mjs';
import { coreBench } from './bench/core.mjs';
import { pageImpact } from './bench/page.mjs';
import { renderReport } from './bench/report.mjs';

const started = Date.now();
const num = (name, dflt) => (process.env[name] ? Number(process.env[name]) : dflt);
const N = num('BENCH_CONVERSATIONS', 1000);
const INTERVAL = num('BENCH_MSG_INTERVAL_MS', 5000);
const DURATION = num('BENCH_DURATION_MS', 60_000);
const STEP = num('BENCH_STORM_STEP_MS', 5000);
const PAGE_RUNS = num('BENCH_PAGE_RUNS', 5);
const CHAT_ROUNDS = Math.max(1, num('BENCH_CHAT_ROUNDS', 3));
const skip = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
const only = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
if (only.length) for (const s of ['chat', 'storm', 'page', 'core']) if (!only.includes(s)) skip.add(s);
const rateList = (name, dflt) => (process.env[name] ? process.env[name].split(',').map(Number) : dflt);
const STORM_RATES = rateList('BENCH_STORM_RATES', [100, 200, 250, 300, 400]);
const COLD_RATES = rateList('BENCH_COLD_RATES', [50, 100, 150, 200]);

const report = {
  date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  machine: {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model?.trim() ?? 'unknown CPU',
    memory: os.totalmem(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadavg: os.loadavg().map((l) => l.toFixed(2)).join(' '),
  },
  notes: [],
};
log(`machine: ${report.machine.cores} cores (${report.machine.cpu}), ${(report.machine.memory / 1024 ** 3).toFixed(1)} GB; conversations ${N}`);

// 1. Build (also what the server serves) and size.
log('size: node scripts/build.mjs --quiet');
const build = process.env.BENCH_NO_BUILD
  ? { status: 0 }
  : spawnSync('node', [join(root, 'scripts/build.mjs'), '--quiet'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
try {
  report.size = JSON.parse(readFileSync(join(root, 'target/sizes.json'), 'utf8'));
  if (build.status !== 0) report.notes.push(`The build exited with status ${build.status} (a size budget exceeded, or a compile error); sizes are from the target/sizes.json it left.`);
  log(`size: widget total ${report.size.sizes.widget_total} B gz, inbox ${report.size.sizes.inbox_total} B gz`);
} catch (e) {
  report.size = { error: e.message };
}

// 2, 3, 5 need the server. Each measurement gets a fresh one: in one long-lived process the
// thousands of objects and sockets a section leaves behind (closing, then evicted) disturb the
// next section's tail latencies.
const state = mkdtempSync(join(os.tmpdir(), 'parlor-bench-'));
// The same benchmark with the server's state in memory, where a commit costs no disk flush.
const TMPFS = '/dev/shm';
const stateTmpfs = existsSync(TMPFS) ? mkdtempSync(join(TMPFS, 'parlor-bench-')) : null;
const stateOf = (storage) => (storage === 'tmpfs' ? stateTmpfs : state);
// Calibration first, before anything else loads the machine: the machine's free memory touched
// once, one commit's price on each storage, a fixed CPU loop, the load.
report.calibration = calibrate([state, ...(stateTmpfs ? [stateTmpfs] : [])]);
{
  const c = report.calibration;
  const held = c.pageReporting ? `free page reporting held off (order ${c.pageReporting.was} → ${c.pageReporting.held}); ` : 'free page reporting as the machine has it; ';
  const mem = `${held}${c.memory ? `memory: ${c.memory.gb.toFixed(1)} GB touched at ${c.memory.first.gbPerSecond.toFixed(2)} GB/s, again at ${c.memory.again.gbPerSecond.toFixed(2)} GB/s; ` : 'memory: not measured; '}`;
  log(`calibration: ${mem}CPU loop ${c.cpu.ms.toFixed(0)} ms; ${c.fsync.map((f) => `${f.fs}: ${f.n} × (4 KB write + fsync) in ${(f.totalMs / 1000).toFixed(2)} s (p50 ${f.p50.toFixed(2)} ms, p99 ${f.p99.toFixed(2)} ms)`).join('; ')}; load ${c.loadavg}`);
}
const operator = devVars().ADMIN_TOKEN;
let snap;
let serverNo = 0;
// Where the load goes: `runtime` (default) — straight to the workerd process that runs the
// Worker; `proxy` — through `wrangler dev`'s proxy, a second workerd process whose one Durable
// Object queues every request and forwards it (and pipes every frame), a hop production has not
// (scripts/lib/dev-server.mjs).
report.via = VIA;
const withServer = async (name, fn, { storage = 'disk' } = {}) => {
  let reloads = 0;
  let server;
  try {
    if (build.status !== 0 && !report.size?.sizes) throw new Error('build failed; no server benchmarks');
    if (!snap) {
      // A snapshot of what the build produced: wrangler watches its files and reloads
      // (dropping every WebSocket) when another build on this machine rewrites them.
      snap = snapshotBuild(join(state, 'snapshot'));
    }
    const start = () => {
      serverNo += 1;
      log(`${name}: starting a fresh local dev server (BENCH_ECHO=1, devtools inspector off, empty state on ${storage}, load ${VIA === 'runtime' ? 'straight to the runtime' : 'through the dev proxy'})`);
      return startServer({
        persistTo: join(stateOf(storage), `persist-${serverNo}`),
        cwd: snap,
        vars: { BENCH_ECHO: '1' },
        inspector: false,
        log: (line) => { if (line.includes('Reloading local server')) { reloads += 1; log('server: the Worker is reloading (files changed)'); } },
      });
    };
    // A server that does not come up (seen once on a busy machine) gets one more try.
    server = await start().catch((e) => {
      log(`${name}: the server did not start (${e.message.split('\n')[0]}); trying once more`);
      return start();
    });
    const url = loadUrl(server, VIA);
    if (url !== server.runtimeUrl && VIA === 'runtime') log(`${name}: the runtime's address is unknown; through the dev proxy instead`);
    await seedWorkspace(url, operator);
    return await fn(url, server.pid);
  } catch (e) {
    log(`${name}: failed: ${e.stack ?? e.message}`);
    return { error: e.message };
  } finally {
    await server?.stop();
    if (reloads) {
      report.notes.push(`**${name} is disturbed**: the dev server reloaded the Worker ${reloads} time(s) during it (a file it watches was rewritten by another build on this machine), which drops every WebSocket.`);
    }
  }
};

report.chat = [];
if (!skip.has('chat')) {
  const storages = (process.env.BENCH_CHAT_STORAGE ?? 'disk,tmpfs').split(',').filter((k) => k === 'disk' || (k === 'tmpfs' && stateTmpfs));
  const points = N === 100 ? [[100, 'disk']] : [[100, 'disk'], ...storages.map((k) => [N, k])];
  for (const [n, storage] of points) {
    const tag = `n${n}-${storage}`;
    const opts = { n, tag, intervalMs: INTERVAL, durationMs: DURATION };
    const budget = n <= 100 ? 60_000 : 240_000;
    // Each measurement on a fresh server: Parlor, then the same schedule against each baseline.
    // At the target's size, several rounds: one run's p99 moves several-fold with where a
    // garbage collection falls (docs/performance.md), so the verdict is the median round's.
    const rounds = n >= 1000 ? CHAT_ROUNDS : 1;
    const done = [];
    for (let round = 1; round <= rounds; round++) {
      const label = `Chat load (${n}, ${storage}${rounds > 1 ? `, round ${round} of ${rounds}` : ''})`;
      const parlor = await withServer(label, (url, pid) => parlorChat(url, operator, {
        ...opts, capacity: 10, setupBudgetMs: budget, rootPid: pid,
      }), { storage });
      if (parlor.error) { done.push({ error: parlor.error }); continue; }
      const m = parlor.pairs;
      const durable = await withServer(`${label}: durable echo`, (url, pid) => echoChat(url, { ...opts, kind: 'durable-echo', m, rootPid: pid }), { storage });
      const echo = await withServer(`${label}: echo`, (url, pid) => echoChat(url, { ...opts, kind: 'echo', m, rootPid: pid }), { storage });
      done.push({ parlor, durable, echo });
      if (parlor.budgetCut) report.notes.push(`${label}: only ${parlor.pairs} of ${n} conversations could be set up within the ${budget / 1000} s setup budget; the row measures those.`);
    }
    report.chat.push({ n, storage, intervalMs: INTERVAL, durationMs: DURATION, ...medianRound(done, storage) });
  }
}
if (!skip.has('storm')) {
  // Each storm on a fresh server per storage: on disk every commit is a flush; on tmpfs none is,
  // which leaves the CPU cost of a routed chat.
  const storages = (process.env.BENCH_STORM_STORAGE ?? 'disk,tmpfs').split(',').filter((k) => k === 'disk' || (k === 'tmpfs' && stateTmpfs));
  const baseline = process.env.BENCH_STORM_BASELINE !== '0';
  report.storm = [];
  report.stormCold = [];
  for (const storage of storages) {
    const opts = { stepMs: STEP, agents: STORM_AGENTS, capacity: STORM_CAPACITY, thresholdMs: 250, baseline, storage };
    report.storm.push({ storage, ...await withServer(`Routing storm (${storage})`, (url, pid) => routingStorm(url, operator, {
      ...opts, mode: 'warm', rates: STORM_RATES, rootPid: pid,
    }), { storage }) });
    report.stormCold.push({ storage, ...await withServer(`Routing storm (cold, ${storage})`, (url, pid) => routingStorm(url, operator, {
      ...opts, mode: 'cold', rates: COLD_RATES, rootPid: pid,
    }), { storage }) });
  }
}
if (!skip.has('page')) report.page = await withServer('Page impact', (url) => pageImpact(url, { runs: PAGE_RUNS }));
rmSync(state, { recursive: true, force: true });
if (stateTmpfs) rmSync(stateTmpfs, { recursive: true, force: true });

// 4. Core (after the server is gone, so it has the CPU to itself).
if (!skip.has('core')) report.core = coreBench();

const load = os.loadavg()[0];
report.notes.push(`Load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${report.machine.cores} cores. Other processes on the machine (e.g. other builds and test runs) share the CPU and inflate the tail latencies; compare Parlor with the echo row of the same run rather than across runs.`);
if (load > report.machine.cores * 1.5) report.notes.push('The machine was heavily loaded during this run.');
report.seconds = (Date.now() - started) / 1000;
if (only.length) {
  writeFileSync(join(root, 'target/bench-partial.json'), JSON.stringify(report, null, 1));
  log(`BENCH_ONLY=${only.join(',')}: wrote target/bench-partial.json (BENCHMARKS.md untouched) in ${(report.seconds / 60).toFixed(1)} min`);
} else {
  writeFileSync(join(root, 'BENCHMARKS.md'), renderReport(report));
  writeFileSync(join(root, 'target/bench.json'), JSON.stringify(report, null, 1));
  log(`wrote BENCHMARKS.md (and target/bench.json) in ${(report.seconds / 60).toFixed(1)} min`);
}
