// Renders BENCHMARKS.md from the sections' results.
import { fmtInt, fmtKB, fmtMs } from './common.mjs';

const ratio = (a, b) => (a != null && b ? `${(a / b).toFixed(2)}×` : 'n/a');
const mb = (b) => (b ? `${(b / 1024 / 1024).toFixed(0)} MB` : 'n/a');
const errs = (e) => (Object.keys(e ?? {}).length ? Object.entries(e).map(([k, v]) => `${k}: ${v}`).join(', ') : '0');

/** The machine calibration paragraph (scripts/lib/calibrate.mjs): compare runs by these. */
function calibration(c) {
  if (!c) return '**Calibration**: not measured.';
  const disk = c.fsync.map((f) => `${f.fs} (${f.dir.startsWith('/dev/shm') ? 'the tmpfs runs' : 'the disk runs'}): ${fmtInt(f.n)} synchronous 4 KB writes (write + fsync) in ${(f.totalMs / 1000).toFixed(2)} s, each p50 ${fmtMs(f.p50, 2)}, p99 ${fmtMs(f.p99, 2)}`).join('; ');
  const held = c.pageReporting
    ? `the virtual machine's free page reporting held off for the run (\`page_reporting_order\` ${c.pageReporting.was} → ${c.pageReporting.held}, put back after; see scripts/lib/calibrate.mjs), then `
    : 'free page reporting left as the machine has it; ';
  const memory = c.memory
    ? `${held}the machine's free memory (${c.memory.gb.toFixed(1)} GB) touched once, one write per 4 KB page, at ${c.memory.first.gbPerSecond.toFixed(2)} GB/s, and again at ${c.memory.again.gbPerSecond.toFixed(2)} GB/s (a page the host took back costs it an allocation on its next touch; every server below started after both passes); `
    : held;
  return `**Calibration** (before any server ran): ${memory}a fixed CPU loop (50 M xorshift steps in Node) ${fmtMs(c.cpu.ms, 0)}; one commit's flush on the state directory's filesystem — ${disk}; load average ${c.loadavg}. A machine whose loop or fsync is slower will show longer latencies; the ratios below are within one run, on one machine.`;
}

export function renderReport(r) {
  const rows = [];
  const row = (section, metric, value, target = '') => rows.push(`| ${section} | ${metric} | ${value} | ${target} |`);
  const m = r.machine;

  // 1. Size.
  if (r.size?.sizes) {
    const { sizes, budgets } = r.size;
    // The budget in bytes as well: rounded to a tenth of a KB, 2,200 B would read as "2.1 KB".
    const vs = (k) => (budgets[k] ? `≤ ${fmtInt(budgets[k])} B (${fmtKB(budgets[k])}) ${sizes[k] <= budgets[k] ? '✅' : '❌'}` : '');
    row('1. Size (gzip -9)', 'loader `widget.js`', `${fmtInt(sizes.loader)} B`, vs('loader'));
    row('1. Size (gzip -9)', 'widget wasm', `${fmtInt(sizes.widget_wasm)} B`);
    row('1. Size (gzip -9)', 'widget JS glue', `${fmtInt(sizes.widget_js)} B`);
    row('1. Size (gzip -9)', '**widget total** (loader + wasm + glue)', `**${fmtInt(sizes.widget_total)} B** (${fmtKB(sizes.widget_total)})`, vs('widget_total'));
    row('1. Size (gzip -9)', 'agent inbox wasm + JS', `${fmtInt(sizes.inbox_wasm)} + ${fmtInt(sizes.inbox_js)} = ${fmtInt(sizes.inbox_total)} B (${fmtKB(sizes.inbox_total)})`, vs('inbox_total'));
    row('1. Size (gzip -9)', 'admin wasm + JS', `${fmtInt(sizes.admin_wasm)} + ${fmtInt(sizes.admin_js)} = ${fmtInt(sizes.admin_total)} B (${fmtKB(sizes.admin_total)})`, vs('admin_total'));
  } else {
    row('1. Size', 'build', `not measured: ${r.size?.error ?? 'build failed'}`);
  }

  // 2. Chat load.
  for (const p of r.chat ?? []) {
    const where = p.storage === 'tmpfs' ? 'state on tmpfs' : 'state on disk';
    const s = `2. Chat load, ${fmtInt(p.parlor?.pairs ?? p.n)} conv., ${where}${(p.rounds ?? []).length > 1 ? ` (median of ${p.rounds.length} rounds)` : ''}`;
    if (p.error) { row(s, 'run', `failed: ${p.error.split('\n')[0]}`); continue; }
    const { parlor: P, durable: D, echo: E } = p;
    const big = p.n >= 1000;
    const mark = (ok) => (ok ? ' ✅' : ' ❌');
    const lat = (x) => (x?.latency ? `${fmtMs(x.latency.p50)} / ${fmtMs(x.latency.p95)} / ${fmtMs(x.latency.p99)}` : `not measured: ${(x?.error ?? 'failed').split('\n')[0]}`);
    const p99 = (x) => x?.latency?.p99;
    row(s, 'offered load', `1 msg / ${p.intervalMs / 1000} s per side, ${p.durationMs / 1000} s → ${fmtInt(P.offeredRate)} msg/s (${fmtInt(P.sent)} msgs)`);
    row(s, 'Parlor delivery latency p50 / p95 / p99', `${fmtMs(P.latency.p50)} / ${fmtMs(P.latency.p95)} / **${fmtMs(P.latency.p99)}**`, big ? `p99 ≤ 50 ms${mark(P.latency.p99 <= 50)}` : '');
    row(s, 'durable echo latency p50 / p95 / p99 (INSERT, then relay)', lat(D));
    row(s, 'bare echo latency p50 / p95 / p99', lat(E));
    const durableTarget = big && p.storage !== 'tmpfs' ? `p99 ratio ≤ 1.5${mark(p99(D) && P.latency.p99 <= 1.5 * p99(D))}` : '';
    const echoTarget = big && p.storage === 'tmpfs' ? `p99 ratio ≤ 2.0${mark(p99(E) && P.latency.p99 <= 2.0 * p99(E))}` : '';
    row(s, '**ratio Parlor / durable echo** p50 · p99', `${ratio(P.latency.p50, D?.latency?.p50)} · **${ratio(P.latency.p99, p99(D))}**`, durableTarget);
    row(s, '**ratio Parlor / bare echo** p50 · p99', `${ratio(P.latency.p50, E?.latency?.p50)} · **${ratio(P.latency.p99, p99(E))}**`, echoTarget);
    if ((p.rounds ?? []).length > 1) {
      const against = p.storage === 'tmpfs' ? 'bare echo' : 'durable echo';
      const each = p.rounds.map((x) => (x.ratio != null
        ? `${x.round === p.medianOf ? '**' : ''}${fmtMs(x.parlorP99)} / ${fmtMs(x.baselineP99)} = ${x.ratio.toFixed(2)}×${x.round === p.medianOf ? '**' : ''}`
        : `failed: ${(x.error ?? 'no ratio').split('\n')[0]}`)).join(' · ');
      row(s, `p99 Parlor / ${against}, each round (the rows of this section are the median round's, in bold)`, each);
    }
    row(s, 'delivered msg/s (Parlor · durable echo · echo)', `${fmtInt(P.rate)} · ${fmtInt(D?.rate)} · ${fmtInt(E?.rate)}`);
    const perMsg = (x) => (x?.commits ? x.commits.perMessage.toFixed(2) : 'n/a');
    row(s, 'storage commits per message (Parlor · durable echo · echo)', `${perMsg(P)} · ${perMsg(D)} · ${perMsg(E)}`);
    // Each a C++ object on the collector's heap that only a full collection frees
    // (scripts/lib/platform-objects.mjs): what makes the full collections of the window.
    const objMsg = (x) => (x?.platformObjects ? x.platformObjects.perMessage.toFixed(1) : 'n/a');
    row(s, 'platform objects made per message (Parlor · durable echo · echo)', `${objMsg(P)} · ${objMsg(D)} · ${objMsg(E)}`);
    const cpuMsg = (x) => (x?.cpuPerMessageMs != null ? `${x.cpuPerMessageMs.toFixed(2)} ms` : 'n/a');
    row(s, 'workerd CPU per message (Parlor · durable echo · echo)', `${cpuMsg(P)} · ${cpuMsg(D)} · ${cpuMsg(E)}`);
    // Young-generation collections (scavenges) and full ones (mark-compact) in the window, with
    // the time they stopped the thread: what sets the tail (docs/performance.md).
    const gc = (x) => {
      const g = x?.gcPauses;
      if (!g) return 'n/a';
      const kinds = Object.entries(g.byKind).map(([k, v]) => `${v.count} ${k.replace(/_/g, '-')}`).join(' + ') || 'none';
      const started = Object.entries(g.fullReasons ?? {}).map(([why, n]) => `${n}× ${why}`).join(', ');
      return `${kinds}: ${fmtMs(g.totalMs, 0)} in all, longest ${fmtMs(g.maxMs, 0)}${started ? ` (full ones started by: ${started})` : ''}`;
    };
    row(s, 'V8 garbage-collection pauses in the window (Parlor · durable echo · echo)', `${gc(P)} · ${gc(D)} · ${gc(E)}`);
    const setupCommits = P.setupCommits ? `, ${P.setupCommits.perChat.toFixed(1)} commits per routed chat` : '';
    row(s, 'errors (Parlor · durable echo · echo)', `${errs(P.errors)}${P.setupErrors ? `, setup failures: ${P.setupErrors}` : ''}${P.budgetCut ? `, not set up (time budget): ${P.budgetCut}` : ''} · ${errs(D?.errors)} · ${errs(E?.errors)}`, big ? `0${mark(!P.errorCount && !P.setupErrors && !D?.errorCount && !E?.errorCount)}` : '');
    const warm = (x) => (x?.warmupSeconds != null ? `${x.warmupSeconds.toFixed(1)} s` : 'n/a');
    row(s, 'warm-up: every side sends once, until all delivered (Parlor · durable echo · echo)', `${warm(P)} · ${warm(D)} · ${warm(E)}`);
    const stall = (x) => (x?.clientStallMs != null ? fmtMs(x.clientStallMs, 0) : 'n/a');
    row(s, "load generator's longest stall (Parlor · durable echo · echo)", `${stall(P)} · ${stall(D)} · ${stall(E)}`);
    row(s, 'workerd RSS: before setup → idle with chats → peak under load', `${mb(P.rssBefore)} → ${mb(P.rssIdle)} → ${mb(P.rssPeak)} (durable echo peak ${mb(D?.rssPeak)}, echo peak ${mb(E?.rssPeak)})`);
    row(s, 'setup (demo dialogue → live chat → agent socket)', `${P.setupSeconds.toFixed(0)} s for ${fmtInt(P.pairs)} conversations${setupCommits}`);
  }

  // 3. Routing storm: one result per storage (a single object from reports before storms ran on both).
  const where = (st) => (st.storage === 'tmpfs' ? 'state on tmpfs' : 'state on disk');
  const cost = (s) => [
    s.commitsPerRequest != null ? `${s.commitsPerRequest.toFixed(1)} commits` : null,
    s.objectsPerRequest != null ? `${s.objectsPerRequest.toFixed(0)} platform objects` : null,
    s.cpuMsPerRequest != null ? `${fmtMs(s.cpuMsPerRequest, 1)} workerd CPU` : null,
  ].filter(Boolean).join(', ');
  const storm = (st, label, target) => {
    if (!st?.steps) { row(label, 'run', `failed: ${st?.error ?? 'not run'}`); return; }
    const echoSteps = st.echo?.steps ?? [];
    const echoAt = new Map(echoSteps.map((e) => [e.rate, e]));
    const echoOf = (e) => `durable echo p50 ${fmtMs(e.latency.p50, 0)}, p99 ${fmtMs(e.latency.p99, 0)}${e.errorCount ? `, errors ${errs(e.errors)}` : ''}${cost(e) ? ` (${cost(e)} per request)` : ''}`;
    for (const s of st.steps) {
      const stall = s.clientStallMs != null ? `; load generator's longest stall ${fmtMs(s.clientStallMs, 0)}` : '';
      const c = cost(s);
      const e = echoAt.get(s.rate);
      const base = e ? `; ${echoOf(e)}` : '';
      row(label, `${s.rate} requests/s × ${st.stepMs / 1000} s`, `p50 ${fmtMs(s.latency.p50, 0)}, **p99 ${fmtMs(s.latency.p99, 0)}**, errors ${errs(s.errors)}${c ? `; ${c} per routed chat` : ''}${stall}${base} ${s.ok ? '✅' : '❌'}`);
    }
    // Steps the storm stopped before: the echo alone (storm.mjs), whether the machine held them.
    const ran = new Set(st.steps.map((s) => s.rate));
    for (const e of echoSteps.filter((x) => !ran.has(x.rate))) {
      row(label, `${e.rate} requests/s × ${st.stepMs / 1000} s`, `Parlor not run (the storm stopped at the step before); ${echoOf(e)} ${e.ok ? '✅' : '❌'}`);
    }
    const echoTop = echoSteps.reduce((m, e) => Math.max(m, e.rate), 0);
    const echoRate = echoSteps.length ? `; durable echo: ${st.echo.sustainable ? `${st.echo.sustainable}/s` : `below ${echoSteps[0].rate}/s`} (steps up to ${echoTop}/s)` : '';
    row(label, '**sustainable rate** (every step up to it: p99 ≤ ' + st.thresholdMs + ' ms, 0 errors)', `**${st.sustainable ? `${st.sustainable} live chat requests/s` : `below ${st.steps[0]?.rate}/s`}**${echoRate}`, target && `≥ ${target}/s ${st.sustainable >= target ? '✅' : '❌'}`);
  };
  const list = (x) => (Array.isArray(x) ? x : x ? [x] : []);
  for (const st of list(r.storm)) storm(st, `3. Routing storm, 1 workspace, ${where(st)} (open conversations ask for a human)`, 400);
  for (const st of list(r.stormCold)) storm(st, `3. Routing storm, 1 workspace, ${where(st)} (cold: new conversation + route per request)`, 200);

  // 4. Core.
  if (r.core) {
    for (const [k, v] of Object.entries(r.core.routing ?? {})) {
      row('4. Core (criterion, 1,000 agents)', `\`${k.replace('routing_1000_agents/', '')}\``, `${fmtInt(v)} routing decisions/s`);
    }
    if (r.core.routingError) row('4. Core', 'criterion', `not measured: ${r.core.routingError.split('\n').slice(-3).join(' ')}`);
    if (r.core.simulation) {
      const s = r.core.simulation;
      row('4. Core (simulation test)', `1,000 agents, 100,000 requests, ${s.build} build`, `${fmtInt(s.eventsPerSecond)} events/s (${fmtInt(s.calls)} router calls in ${s.elapsed}; test ${s.passed ? 'passed' : 'FAILED'})`);
    } else {
      row('4. Core', 'simulation', `not measured: ${(r.core.simulationError ?? '').split('\n').slice(-3).join(' ')}`);
    }
  }

  // 5. Page impact.
  if (r.page?.with) {
    const { with: w, without: wo, runs } = r.page;
    const s = `5. Page impact (median of ${runs})`;
    row(s, 'DOMContentLoaded with / without widget', `${fmtMs(w.dcl)} / ${fmtMs(wo.dcl)} (Δ ${fmtMs(w.dcl - wo.dcl)})`);
    row(s, 'load with / without widget', `${fmtMs(w.load)} / ${fmtMs(wo.load)} (Δ ${fmtMs(w.load - wo.load)})`);
    row(s, 'Total Blocking Time with / without (to load + 5 s)', `${fmtMs(w.tbt)} / ${fmtMs(wo.tbt)} (**Δ ${fmtMs(w.tbt - wo.tbt)}**)`, `Δ ≤ 10 ms ${w.tbt - wo.tbt <= 10 ? '✅' : '❌'}`);
    // The target holds in every run, not only the median: each run's with/without pair, alternated.
    const pairs = (r.page.raw?.with ?? []).map((x, i) => [x.tbt, r.page.raw.without[i]?.tbt ?? 0]);
    if (pairs.length) {
      const worst = Math.max(...pairs.map(([a, b]) => a - b));
      row(s, 'TBT with / without, each run (Δ)', pairs.map(([a, b]) => `${fmtMs(a, 0)} / ${fmtMs(b, 0)} (${fmtMs(a - b, 0)})`).join(' · '), `worst Δ ${fmtMs(worst, 0)} ≤ 10 ms ${worst <= 10 ? '✅' : '❌'}`);
    }
    row(s, 'long tasks with / without; runs where the wasm loaded', `${w.longTasks} / ${wo.longTasks}; ${w.wasmLoaded}/${runs}`);
  } else {
    row('5. Page impact', 'run', `failed: ${r.page?.error}`);
  }

  const notes = (r.notes ?? []).map((n) => `- ${n}`).join('\n');
  const st0 = Array.isArray(r.storm) ? r.storm[0] : r.storm;
  return `# Parlor benchmarks

Generated by \`npm run bench\` (\`node scripts/bench.mjs\`) on ${r.date}, in ${(r.seconds / 60).toFixed(1)} minutes.

Machine: ${m.cores} × ${m.cpu}, ${(m.memory / 1024 ** 3).toFixed(1)} GB RAM, ${m.platform}, Node ${m.node}, load average at start ${m.loadavg}.

${calibration(r.calibration)}

Everything runs on loopback: wrangler's local dev server (Miniflare + workerd, as \`wrangler dev\` runs it, started through wrangler's API with the devtools inspector off: \`scripts/lib/dev-server.mjs\`) on 127.0.0.1, the load generator and Chromium on the same ${m.cores} cores, so client CPU is inside every latency below. Why the inspector is off: \`wrangler dev\` always attaches it and enables its Network domain, so every call between our objects is reported to the wrangler Node process and appended to its debug log; measured on this machine, that doubled the CPU per new conversation (workerd 8.9 → 4.9 ms, wrangler's Node 3.1 → 0.3 ms) — a cost of the development tool, absent in production. ${r.via === 'proxy' ? 'The load goes through the dev server\'s proxy (`BENCH_VIA=proxy`).' : 'The load goes straight to the workerd process that runs the Worker (`BENCH_VIA=runtime`, the default): the dev server answers its public port with a proxy, a second workerd process whose one Durable Object queues every request and forwards it over TCP, and pipes every WebSocket frame, so the Worker can reload under open connections — a hop production has not, which cost 84 platform objects and 1.5 ms of workerd CPU per cold routed chat on this machine (docs/performance.md, stop 54). Both workerd processes are counted in the CPU and commit columns either way.'}

| Section | Metric | Result | Target |
|---|---|---|---|
${rows.join('\n')}

## What the numbers mean

- **Size**: bytes after \`gzip -9\` of what \`node scripts/build.mjs\` puts in \`dist/\` (from \`target/sizes.json\`). The widget total is what a visitor downloads: the loader on page load, the wasm and its JS glue later.
- **Chat load**: each conversation is real — a visitor starts it over HTTP, walks the demo dialogue over its WebSocket (two answers and the details form) to the live chat card, the workspace object routes it, an agent (one of ⌈N / 10⌉ agents with capacity 10, signed in, inbox socket open) accepts the offer and opens the conversation's chat socket. Then both sides send \`say\` frames on a fixed schedule (random phase per socket). First a warm-up, not measured: every side sends once, and the measurement starts when all of those are delivered and the server is quiet (objects evicted since the setup are opened again — for Parlor, whose setup of 1,000 chats takes 20–30 s, most of them; see docs/performance.md). **Latency** = time the other side receives the message (the \`entry\` frame) − send time written in the text, one clock (same Node process). Two baselines, with the same number of socket pairs and the same schedule, each on a fresh server: the **durable echo** (\`DurableEchoDO\`, \`edge/src/durable_echo.rs\`, \`/api/bench/durable-echo/{room}\`) appends each message to its SQLite table, then relays it — the floor of any chat that stores what it acknowledges; the **bare echo** (\`EchoDO\`, \`edge/src/echo.rs\`, \`/api/bench/echo/{room}\`) only relays; both exist only with \`BENCH_ECHO=1\`. The ratios show what Parlor's own work (JSON, the core state machine, its entry and sometimes its state in one commit, three frames out, the preview rows to the workspace) adds. Targets at 1,000 conversations: p99 within 1.5× of the durable echo with the state on disk, within 2.0× of the bare echo with the state on tmpfs (\`/dev/shm\`, where a commit costs no flush). At 1,000 conversations each storage runs ${r.chat?.find((c) => c.rounds?.length > 1)?.rounds.length ?? 'several'} rounds (Parlor, then both echoes, each on a fresh server): one round's p99 moves several-fold with where a V8 collection falls, so a section's rows are those of the round whose target ratio is the median (the upper one of an even count), and every round's ratio is listed. Each measured window lasts ${r.chat?.[0]?.durationMs ? `${r.chat[0].durationMs / 1000} s` : 'the same time'}: long enough for every server, the echoes' included, to reach its first full V8 collection (in 20 s windows the echoes never did, while Parlor's setup left its heap near the limit; docs/performance.md). **Storage commits** = \`fsync\` + \`fdatasync\` calls of the workerd processes over the measured window (\`perf stat\`, \`scripts/lib/commits.mjs\`; each commit of an object's SQLite database ends in one), all objects together, ÷ messages sent; **per routed chat**: over the setup ÷ chats set up. **workerd CPU per message** = user + system time of the workerd processes (\`/proc/<pid>/stat\`) over the same window ÷ messages sent. **Messages/s** = delivered messages ÷ (last receive − first send). **RSS** = sum of \`VmRSS\` of the \`workerd\` processes under the \`wrangler dev\` process (/proc), sampled every second (the processes found once per measurement, then only their status read: walking every /proc entry each second stalled the load generator for milliseconds, and the messages it received meanwhile were stamped late). **Platform objects per message** = calls of workerd's \`jsg::Wrappable::attachWrapper\` (a uprobe counted by \`perf stat\`, \`scripts/lib/platform-objects.mjs\`; root only) over the window ÷ messages sent (in the storm: over a step ÷ chats routed): each of the runtime's objects JavaScript sees (a SQL cursor, a socket's send pump, an RPC call) is one, a C++ object only a full collection frees. **V8 garbage-collection pauses** = uprobes on workerd's young-generation collectors (\`ScavengerCollector::CollectGarbage\`, \`MinorMarkSweepCollector::CollectGarbage\`) and on the full collector's pause (\`Heap::MarkCompact\`), entry to return, recorded over the measured window (\`perf record\`, \`scripts/lib/gc-pauses.mjs\`; root only): each stops the one thread every object runs on, so the messages it meets wait for it. Beside a full one, what asked for it: the \`GarbageCollectionReason\` of the last \`Heap::CollectGarbage\` call before it (or of \`Heap::StartIncrementalMarking\`), read from its argument by the same probes.
- **Routing storm**: one workspace object, ${st0?.agents ?? 100} agents × capacity ${st0?.capacity ?? 50} who accept every offer (at most 20 each per 5 s step, within the inbox's frame limit: 20 at once, then 2 a second); requests sent open-loop at each step's rate. **Open conversations ask for a human** (the target row): before each step (untimed) that many visitors start a conversation and open its socket on a question card, and the server is left until those conversations' objects have hibernated (local workerd closes an idle object's database some 10 s after its last event), as a visitor's has after reading the card for more than a few seconds; during the step each clicks the button leading to the live chat card: visitor socket → ConversationDO → the WorkspaceDO's \`link\` method, an RPC call (router decision, index row and audit rows in one write; the offer on the agent's inbox socket; the decision back in the reply). After the step the visitors end their chats, freeing the slots. **Cold** adds creating the conversation: a dialogue whose only card is the live chat card, so each \`POST /api/visitor/conversations\` creates a ConversationDO and its SQLite database and routes it at once. **Routing latency** = request sent (answer frame or POST) → the agent's \`offered\` frame. **Sustainable rate** = the highest step reached with every step up to it at p99 ≤ ${st0?.thresholdMs ?? 250} ms and no errors; a storm stops once a step degrades far past that. Before each step the server is left to go idle (workerd under 15% of a core); each step also reports the load generator's longest event-loop stall, which would show up as latency; and what the step cost the server, per request: storage commits (\`fsync\`s, as in the chat load) and CPU time of the workerd processes, from the first request until the server is quiet again (the agents' acceptances included). Each storm runs on a fresh server, once with the state on disk and once on tmpfs. **Same-run baseline**: after each step (and a pause for its objects to close), the same number of requests at the same rate against the durable echo — warm: a frame on a socket opened to its own object before the step (the object hibernated since, as Parlor's), stored (one INSERT) and relayed to the object's other socket; cold: a fresh object per request, its database created by the upgrade that opens the receiving socket, then that frame. If the echo's tail grows too, the machine, not Parlor, was short of time. Where the storm stops before its last step, the echo alone takes the steps left, as long as it holds them: the rate this machine could serve at all.
- **Core**: criterion's throughput (elements/s) for one routing decision with 1,000 agents, including the follow-up that frees the slot (accept + release, or cancel); the simulation test's router calls per second on a simulated clock with invariant checks.
- **Page impact**: the demo page \`/\` in headless Chromium, with the widget and with \`/widget.js\` answered by an empty script, alternating, after one warm-up load. **TBT** = Σ (long task − 50 ms) from a \`longtask\` PerformanceObserver installed before any page script, until 5 s after \`load\` (the loader fetches the wasm when the page is idle, inside that window).

## Caveats and what was not measured
${notes || '- none'}
`;
}
