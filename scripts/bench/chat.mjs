// Section 2: chat load. N visitor↔agent conversations through the real product (widget
// protocol over WebSockets to ConversationDO), then the same number of socket pairs and the
// same message schedule against two baselines, each on a fresh server: DurableEchoDO (stores
// each message in its SQLite table, then relays it) and EchoDO (a bare relay). Latency =
// receive time − send time embedded in the text (one clock: the same Node process sends and
// receives). Storage commits (fsyncs of workerd, scripts/lib/commits.mjs) are counted over the
// setup (per routed chat) and over each measured window (per message).
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { countCommits } from '../lib/commits.mjs';
import { countGcPauses } from '../lib/gc-pauses.mjs';
import { countPlatformObjects } from '../lib/platform-objects.mjs';
import { Sock, log, pool, rssSampler, summary, sleep, waitQuiet, workerdCpu } from './common.mjs';
import { tailAndPauses } from './tail.mjs';
import { benchWorkspace, startConversation, wsBase } from './workspace.mjs';

const isCard = (id) => (m) => m.type === 'entry' && m.entry.event === 'card' && m.entry.card.id === id;

/** Walks one visitor through the demo dialogue to a live chat and opens the agent's chat socket. */
export async function parlorPair(base, ws, started) {
  const c = await startConversation(base, ws.id, 'https://bench.example/pricing');
  const v = await Sock.open(`${wsBase(base)}/api/visitor/ws?token=${encodeURIComponent(c.token)}`);
  const intent = v.waitFor(isCard('intent'), 30_000, 'intent card');
  v.send({ type: 'hello', v: 1, last_seq: 0 });
  await intent;
  const connect = v.waitFor(isCard('connect'), 30_000, 'connect card');
  v.send({ type: 'answer', card: 'intent', button: 'pricing' });
  await connect;
  const details = v.waitFor(isCard('details'), 30_000, 'details card');
  v.send({ type: 'answer', card: 'connect', button: 'yes' });
  await details;
  const agentIndex = started.wait(c.conversation);
  agentIndex.catch(() => {}); // awaited below; this only keeps an early timeout from crashing the bench
  const joined = v.waitFor((m) => m.type === 'entry' && m.entry.event === 'agent_joined', 60_000, 'agent_joined');
  v.send({ type: 'capture', card: 'details', values: { first_name: 'Bench', email: 'visitor@bench.example' } });
  await joined;
  const i = await agentIndex;
  const a = await Sock.open(`${wsBase(base)}/api/workspaces/${ws.id}/conversations/${c.conversation}/ws?token=${encodeURIComponent(ws.tokens[i])}`);
  const welcome = a.waitFor((m) => m.type === 'welcome', 30_000, 'agent chat welcome');
  a.send({ type: 'hello', v: 1, last_seq: 0 });
  await welcome;
  return { a: v, b: a, conversation: c.conversation };
}

/** Resolves chat_started (seen by an agent's inbox) for a conversation, whichever comes first. */
export function startedRegistry() {
  const seen = new Map();
  const waiting = new Map();
  return {
    on(conv, _at, agentIndex) {
      const w = waiting.get(conv);
      if (w) { waiting.delete(conv); w(agentIndex); } else seen.set(conv, agentIndex);
    },
    wait(conv) {
      if (seen.has(conv)) { const i = seen.get(conv); seen.delete(conv); return Promise.resolve(i); }
      return new Promise((resolve, reject) => {
        waiting.set(conv, resolve);
        setTimeout(() => { if (waiting.delete(conv)) reject(new Error('timed out waiting for chat_started')); }, 60_000);
      });
    },
  };
}

/**
 * Sends from both sides of every pair, one message every `intervalMs` per side (random phase),
 * for `durationMs`; then waits for stragglers. `kind` decides the frame format.
 *
 * First a warm-up, not measured: every side sends once within one interval, and the
 * measurement starts only once all of those are delivered. Objects idle since the setup (local
 * workerd evicts them after ~10 s) are opened again by then — for Parlor, whose setup is long,
 * most of them: re-opening an object's database costs a few commits of the platform's own
 * (the WAL restarted, Miniflare writing the object's name), which on disk can take seconds for
 * a thousand objects. The time the warm-up took is reported.
 */
async function drive(pairs, { kind, intervalMs, durationMs, rss, rootPid, onWindow }) {
  const latencies = [];
  const errors = {};
  let sent = 0;
  let delivered = 0;
  let warmed = 0;
  let firstSend = Infinity;
  let lastRecv = 0;
  const addError = (code) => { errors[code] = (errors[code] ?? 0) + 1; };
  const sides = [['a', 'visitor', 'agent'], ['b', 'agent', 'visitor']];
  const slow = [];
  const traced = []; // with BENCH_CHAT_TRACE: every delivery as [send time, latency]
  // BENCH_CHAT_TRACE=1 lists deliveries slower than 10 ms; a larger number is the threshold in ms.
  const slowMs = Number(process.env.BENCH_CHAT_TRACE) > 1 ? Number(process.env.BENCH_CHAT_TRACE) : 10;
  const parseText = (text, now) => {
    if (text.startsWith('warmup ')) { warmed += 1; return; }
    if (!text.startsWith('bench ')) return;
    const t = Number(text.split(' ')[4]);
    if (Number.isFinite(t)) {
      latencies.push(now - t);
      if (process.env.BENCH_CHAT_TRACE) {
        traced.push([t, now - t]);
        if (now - t > slowMs) slow.push([t, now - t]);
      }
      delivered += 1;
      lastRecv = now;
    }
  };
  pairs.forEach((p) => {
    for (const [key, , other] of sides) {
      const s = p[key];
      s.onFrame = kind === 'parlor'
        ? (m, now) => {
          if (m.type === 'entry' && m.entry.event === 'message' && m.entry.from === other) parseText(m.entry.text, now);
          else if (m.type === 'error') addError(m.code);
        }
        : (m, now) => { if (m.type === 'say') parseText(m.text, now); };
    }
  });
  const timers = [];
  const warmStart = performance.now();
  pairs.forEach((p, i) => {
    for (const [key, side] of sides) {
      timers.push(setTimeout(() => {
        if (p[key].ws.readyState === 1) p[key].send({ type: 'say', client_id: `${side}-warmup`, text: `warmup ${i} ${side}` });
      }, Math.random() * intervalMs));
    }
  });
  const warmUntil = warmStart + intervalMs + 60_000;
  await sleep(intervalMs);
  while (warmed < pairs.length * 2 && performance.now() < warmUntil) await sleep(50);
  const warmupSeconds = (performance.now() - warmStart) / 1000;
  if (warmed < pairs.length * 2) errors.warmup_not_delivered = pairs.length * 2 - warmed;
  // What the warm-up set off after its deliveries (Parlor: index rows to the workspace) ends
  // before the measurement starts.
  await waitQuiet(rootPid, 15_000);

  const rssSamples = [];
  const sampler = setInterval(() => rssSamples.push(rss()), 1000);
  // The load generator's own stalls (its GC, a busy event loop) would show up as latency.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  // With BENCH_CHAT_TRACE: this process's own collections, which delay the stamping of whatever
  // arrives meanwhile (see `tailAndPauses`).
  const ownGc = [];
  const gcObserver = process.env.BENCH_CHAT_TRACE ? new PerformanceObserver((list) => {
    for (const e of list.getEntries()) ownGc.push([e.startTime, e.startTime + e.duration, e.detail?.kind]);
  }) : null;
  gcObserver?.observe({ entryTypes: ['gc'] });
  // …and any other stretch this process could not run its timers (a 1 ms ticker's gaps over 2 ms).
  const ownStalls = [];
  let lastTick = performance.now();
  const ticker = process.env.BENCH_CHAT_TRACE ? setInterval(() => {
    const now = performance.now();
    if (now - lastTick > 3) ownStalls.push([lastTick + 1, now]);
    lastTick = now;
  }, 1) : null;
  const commits = countCommits(rootPid);
  const gc = countGcPauses(rootPid);
  const objects = countPlatformObjects(rootPid);
  await Promise.all([commits.ready, gc.ready, objects.ready]);
  // A profiler's hook (scripts/profile-*.mjs): the measured window starts and ends.
  await onWindow?.('start');
  // The workerd processes' CPU over the window, per message: steadier than a tail between
  // two builds of the same machine (ticks of 10 ms, over seconds of CPU).
  const cpuBefore = workerdCpu(rootPid);
  const started = performance.now();
  // Each side's next send only: keeping every timer made would hold 24,000 of them for the
  // window, work for this process's own collector that shows up as latency.
  const next = [];
  pairs.forEach((p, i) => {
    for (const [key, side] of sides) {
      const slot = next.length;
      let k = 0;
      const tick = () => {
        if (performance.now() - started >= durationMs) return;
        const s = p[key];
        if (s.ws.readyState !== 1) { addError('socket_closed'); return; }
        const now = performance.now();
        s.send({ type: 'say', client_id: `${side}-${k}`, text: `bench ${i} ${side} ${k} ${now.toFixed(3)}` });
        k += 1;
        firstSend = Math.min(firstSend, now);
        sent += 1;
        next[slot] = setTimeout(tick, intervalMs);
      };
      next.push(setTimeout(tick, Math.random() * intervalMs));
    }
  });
  await sleep(durationMs + 50);
  const drainUntil = performance.now() + 20_000;
  while (delivered < sent && performance.now() < drainUntil) await sleep(100);
  // Before the counters stop: reading their records blocks this process for a second or more,
  // which is not a stall any message met.
  loop.disable();
  gcObserver?.disconnect();
  clearInterval(ticker);
  const cpuSeconds = workerdCpu(rootPid) - cpuBefore;
  await onWindow?.('end');
  const counted = await commits.stop();
  const gcPauses = await gc.stop();
  const made = await objects.stop();
  clearInterval(sampler);
  timers.forEach(clearTimeout);
  next.forEach(clearTimeout);
  if (delivered < sent) errors.not_delivered = sent - delivered;
  if (process.env.BENCH_CHAT_TRACE) {
    // Slow deliveries per 100 ms of send time: bursts point at pauses, a spread at queueing.
    const buckets = new Map();
    for (const [t, l] of slow) {
      const b = Math.floor((t - firstSend) / 100) / 10; // seconds into the measured window
      const cur = buckets.get(b) ?? [0, 0];
      buckets.set(b, [cur[0] + 1, Math.max(cur[1], l)]);
    }
    // The measured window's start on the monotonic clock (as `perf record -k CLOCK_MONOTONIC` stamps samples).
    const t0ns = process.hrtime.bigint() - BigInt(Math.round((performance.now() - firstSend) * 1e6));
    log(`  ${kind} measured window from monotonic ${(Number(t0ns) / 1e9).toFixed(3)} s`);
    log(`  ${kind} slow (> ${slowMs} ms: ${slow.length}) by send time: ${[...buckets].sort((x, y) => x[0] - y[0]).map(([b, [n, m]]) => `${b.toFixed(1)}s×${n}≤${m.toFixed(0)}`).join(' ')}`);
    if (gcPauses?.list) log(`  ${kind} ${tailAndPauses(traced, gcPauses.list, ownGc, ownStalls)}`);
  }
  const window = Math.max(1, lastRecv - firstSend) / 1000;
  return {
    pairs: pairs.length,
    sent,
    delivered,
    offeredRate: sent / (durationMs / 1000),
    rate: delivered / window,
    latency: summary(latencies),
    errors,
    errorCount: Object.values(errors).reduce((a, b) => a + b, 0),
    rssPeak: Math.max(0, ...rssSamples.map((r) => r.bytes)),
    clientStallMs: loop.max / 1e6,
    warmupSeconds,
    commits: counted ? { ...counted, perMessage: counted.commits / Math.max(1, sent) } : null,
    gcPauses: gcPauses && { ...gcPauses, list: undefined }, // the list only for the trace above
    platformObjects: made ? { ...made, perMessage: made.objects / Math.max(1, sent) } : null,
    cpuPerMessageMs: (cpuSeconds * 1000) / Math.max(1, sent),
  };
}

function closeAll(pairs) {
  for (const p of pairs) { p.a?.close(); p.b?.close(); }
}

/**
 * Parlor's side of one comparison point: `n` conversations set up (bounded by `setupBudgetMs`;
 * whatever was set up by then is measured), then the message schedule.
 */
export async function parlorChat(base, operator, { n, tag, intervalMs, durationMs, capacity, setupBudgetMs, rootPid, onWindow }) {
  const rss = rssSampler(rootPid);
  const agents = Math.ceil(n / capacity);
  const registry = startedRegistry();
  log(`chat ${tag}: workspace with ${agents} agents × capacity ${capacity}`);
  const ws = await benchWorkspace(base, operator, {
    id: `bench-chat-${tag}`, agents, capacity, log,
    onChatStarted: (conv, at, i) => registry.on(conv, at, i),
  });
  const setupStart = performance.now();
  const rssBefore = rss().bytes;
  let lastShown = 0;
  const setupCommits = countCommits(rootPid);
  await setupCommits.ready;
  const pairsOpen = await pool(n, 40, async () => {
    if (performance.now() - setupStart > setupBudgetMs) throw new Error('setup time budget exhausted');
    return parlorPair(base, ws, registry);
  }, (done) => {
    if (done - lastShown >= Math.max(50, n / 10) || done === n) {
      lastShown = done;
      log(`  parlor: ${done}/${n} conversations set up (${((performance.now() - setupStart) / 1000).toFixed(0)} s)`);
    }
  });
  const setupCounted = await setupCommits.stop();
  const pairs = pairsOpen.results.filter(Boolean);
  const setupSeconds = (performance.now() - setupStart) / 1000;
  const setupErrors = pairsOpen.errors.filter((e) => e.message !== 'setup time budget exhausted');
  if (setupErrors.length) log(`  parlor: ${setupErrors.length} conversations failed to set up: ${setupErrors[0].message}`);
  if (setupCounted) log(`  parlor: ${(setupCounted.commits / Math.max(1, pairs.length)).toFixed(1)} commits per routed chat (set up)`);
  log(`chat ${tag}: Parlor load, ${pairs.length} conversations (set up in ${setupSeconds.toFixed(0)} s)`);
  const rssIdle = rss().bytes;
  // Index rows written into the workspace object during the load: each row a conversation
  // sends raises its public `revision`, so the sum over a sample of rows counts them.
  const sample = pairs.slice(0, 50).map((p) => p.conversation);
  const revisions = async () => new Map(await Promise.all(sample.map(async (id) => {
    const d = await ws.admin.ok('GET', `/api/workspaces/${ws.id}/conversations/${id}`);
    return [id, d.conversation.revision ?? 0];
  })));
  const revBefore = await revisions();
  const loadStart = performance.now();
  const result = await drive(pairs, { kind: 'parlor', intervalMs, durationMs, rss, rootPid, onWindow });
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const revAfter = await revisions();
  const common = [...revAfter.keys()].filter((id) => revBefore.has(id));
  if (common.length > 0) {
    const rows = common.reduce((t, id) => t + revAfter.get(id) - revBefore.get(id), 0);
    const perConv = rows / common.length / loadSeconds;
    result.indexWritesPerSecPer100 = perConv * 100;
    log(`  parlor: index rows into the workspace ≈ ${(perConv * 100).toFixed(1)}/s per 100 conversations (sample of ${common.length} conversations over ${loadSeconds.toFixed(0)} s)`);
  }
  result.setupErrors = setupErrors.length;
  result.setupSeconds = setupSeconds;
  result.setupCommits = setupCounted ? { ...setupCounted, perChat: setupCounted.commits / Math.max(1, pairs.length) } : null;
  result.budgetCut = pairsOpen.errors.length - setupErrors.length;
  result.rssBefore = rssBefore;
  result.rssIdle = rssIdle;
  result.agentErrors = ws.stats.acceptErrors;
  logRun('parlor', result);
  closeAll(pairs);
  ws.close();
  await sleep(500);
  return result;
}

/** A baseline with `m` socket pairs and the same schedule: `echo` (EchoDO) or `durable-echo`. */
export async function echoChat(base, { kind, m, tag, intervalMs, durationMs, rootPid, onWindow }) {
  const rss = rssSampler(rootPid);
  log(`chat ${tag}: opening ${m} ${kind} socket pairs`);
  const echoOpen = await pool(m, 50, async (i) => {
    const room = `${tag}-${i}`;
    const a = await Sock.open(`${wsBase(base)}/api/bench/${kind}/${room}?side=a`);
    const b = await Sock.open(`${wsBase(base)}/api/bench/${kind}/${room}?side=b`);
    return { a, b };
  });
  const echoPairs = echoOpen.results.filter(Boolean);
  if (echoOpen.errors.length) log(`  ${kind}: ${echoOpen.errors.length} pairs failed to open: ${echoOpen.errors[0].message}`);
  log(`chat ${tag}: ${kind} load, ${echoPairs.length} pairs, 1 msg / ${intervalMs} ms per side for ${durationMs / 1000} s`);
  const result = await drive(echoPairs, { kind, intervalMs, durationMs, rss, rootPid, onWindow });
  result.setupErrors = echoOpen.errors.length;
  closeAll(echoPairs);
  logRun(kind, result);
  await sleep(500);
  return result;
}

function logRun(kind, r) {
  const commits = r.commits ? `, ${r.commits.perMessage.toFixed(2)} commits/message` : '';
  const objects = r.platformObjects ? `, ${r.platformObjects.perMessage.toFixed(1)} platform objects/message` : '';
  const cpu = r.cpuPerMessageMs != null ? `, workerd CPU ${r.cpuPerMessageMs.toFixed(2)} ms/message` : '';
  const started = Object.entries(r.gcPauses?.fullReasons ?? {}).map(([why, n]) => `${n}× ${why}`).join(', ');
  const gc = r.gcPauses ? `, GC pauses ${r.gcPauses.count} (${r.gcPauses.totalMs.toFixed(0)} ms, longest ${r.gcPauses.maxMs.toFixed(0)} ms${started ? `; full collections started by ${started}` : ''})` : '';
  log(`  ${kind}: p50 ${r.latency.p50?.toFixed(1)} ms, p99 ${r.latency.p99?.toFixed(1)} ms, ${r.delivered}/${r.sent} delivered, errors ${JSON.stringify(r.errors)}${commits}${objects}${cpu}${gc}, load generator's longest stall ${r.clientStallMs.toFixed(0)} ms`);
}

/**
 * Of several rounds (each: Parlor, then both echoes, on fresh servers), the one whose p99 ratio
 * to the target's baseline (the durable echo on disk, the bare echo on tmpfs) is the median —
 * the upper one of an even count, so the verdict never rounds in Parlor's favour. Every round's
 * ratio is kept beside it (`rounds`).
 */
export function medianRound(done, storage) {
  const baseline = storage === 'tmpfs' ? 'echo' : 'durable';
  const rounds = done.map((r, i) => {
    if (r.error) return { round: i + 1, error: r.error };
    const p = r.parlor.latency?.p99;
    const b = r[baseline]?.latency?.p99;
    return { round: i + 1, baseline, parlorP99: p, baselineP99: b ?? null, ratio: p != null && b ? p / b : null, error: r[baseline]?.error };
  });
  const ranked = rounds.filter((r) => r.ratio != null).sort((a, b) => a.ratio - b.ratio);
  if (!ranked.length) {
    const measured = done.find((r) => !r.error);
    return measured ? { ...measured, rounds } : { error: done[0]?.error ?? 'no round ran', rounds };
  }
  const median = ranked[Math.floor(ranked.length / 2)];
  return { ...done[median.round - 1], rounds, medianOf: median.round };
}
