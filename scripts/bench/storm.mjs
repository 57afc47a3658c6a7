// Section 3: routing storm. Live chat requests per second into ONE workspace object, in steps of
// increasing rate, sent open-loop. Two kinds of request:
//   warm — visitors already in a conversation (socket open, a question card on screen) click the
//          button that leads to the live chat card: visitor socket → ConversationDO → WorkspaceDO
//          route (decision, index row, audit in one write) → offer on the agent's inbox, the
//          decision back in the reply. The conversations are set up before each step, untimed,
//          and left to hibernate: each request wakes its object.
//          This is the storm a workspace object sees when many visitors ask for a human at once.
//   cold — a fresh visitor whose dialogue's only card is the live chat card: one POST creates the
//          conversation object and routes it (Worker → WorkspaceDO start → new ConversationDO →
//          route). It adds creating an object and its SQLite database to every request.
// Latency = request sent (answer frame or POST) → the agent's `offered` frame. Agents accept every
// offer; after each warm step the visitors end their chats, which frees the agents' slots.
//
// The same-run baseline: after each step, the same number of requests at the same rate against
// the durable echo (`DurableEchoDO`, served with BENCH_ECHO=1): warm — a frame on a socket
// opened to its own object before the step (hibernated since, as Parlor's), stored (one
// INSERT) and relayed to the other socket of that object; cold — a fresh object per request,
// its database created by the upgrade that opens the receiving socket, then the same frame. A
// machine (or a moment) on which the echo is slow shows it in the baseline rows, not only in
// Parlor's.
// Each step also counts what it cost the server: commits (fsyncs, scripts/lib/commits.mjs) and
// workerd CPU time, from the first request until the server is quiet again (the agents'
// acceptances included), per request.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { countCommits } from '../lib/commits.mjs';
import { countPlatformObjects } from '../lib/platform-objects.mjs';
import { Sock, log, pool, settleObjects, summary, sleep, waitQuiet, workerdCpu } from './common.mjs';
import { benchWorkspace, startConversation, wsBase } from './workspace.mjs';

// The storm's agents. Each accepts every offer at once, and an inbox may send 20 frames at once,
// then 2 a second (core's guard: a person clicking fast); beyond that its accepts are refused and
// the socket is closed, the agent goes offline and requests fall back. 100 agents keep a 5 s step
// of 400 requests/s at 20 accepts each; 50 chats each hold a step of 2,000 with room to spare.
export const STORM_AGENTS = 100;
export const STORM_CAPACITY = 50;

export const coldDialogue = () => ({
  id: 'storm',
  name: 'Storm',
  targeting: [],
  branches: [{ id: 'main', cards: [{ id: 'live', kind: 'live_chat', text: 'Connecting you to an agent…', routing: { mode: 'round_robin' } }] }],
});

export const warmDialogue = () => ({
  id: 'storm',
  name: 'Storm',
  targeting: [],
  branches: [
    { id: 'main', cards: [{ id: 'ask', kind: 'question', text: 'Would you like to talk to our team?', buttons: [{ id: 'talk', label: 'Yes, connect me', goto: 'talk' }] }] },
    { id: 'talk', cards: [{ id: 'live', kind: 'live_chat', text: 'Connecting you to an agent…', routing: { mode: 'round_robin' } }] },
  ],
});

/** Opens `count` visitors at the `ask` card, ready to request a live chat. */
async function warmVisitors(base, workspace, count) {
  const opened = await pool(count, 20, async () => {
    const c = await startConversation(base, workspace, 'https://bench.example/storm');
    // The last entry the visitor saw: what a request that got no offer ended in.
    const seen = { last: 'nothing' };
    const v = await Sock.open(`${wsBase(base)}/api/visitor/ws?token=${encodeURIComponent(c.token)}`, (m) => {
      if (m.type === 'entry') seen.last = m.entry.event;
      else if (m.type === 'error') seen.last = `error ${m.code}`;
    });
    v.seen = seen;
    const card = v.waitFor((m) => m.type === 'entry' && m.entry.event === 'card' && m.entry.card.id === 'ask', 30_000, 'question card');
    v.send({ type: 'hello', v: 1, last_seq: 0 });
    await card;
    return { v, conversation: c.conversation };
  });
  if (opened.errors.length) throw opened.errors[0];
  return opened.results;
}

/** Starts counting a step's cost on the server; `stop(requests)` gives commits, platform objects and CPU per request. */
async function stepCost(rootPid) {
  const commits = countCommits(rootPid);
  const objects = countPlatformObjects(rootPid);
  await Promise.all([commits.ready, objects.ready]);
  const cpu0 = rootPid ? workerdCpu(rootPid) : null;
  return async (requests) => {
    // Until the server is quiet: what the step set off (acceptances, index rows) is its cost.
    await waitQuiet(rootPid, 15_000);
    const counted = await commits.stop();
    const made = await objects.stop();
    const cpu = cpu0 == null ? null : workerdCpu(rootPid) - cpu0;
    const n = Math.max(1, requests);
    return {
      commitsPerRequest: counted ? counted.commits / n : null,
      objectsPerRequest: made ? made.objects / n : null,
      cpuMsPerRequest: cpu == null ? null : (cpu * 1000) / n,
    };
  };
}

/** Sends `count` requests open-loop at `rate`; `fire(i, start)` sends one. Returns the send time. */
async function openLoop(count, rate, fire) {
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    fire(i, performance.now());
  }
  return { t0, sendSeconds: (performance.now() - t0) / 1000 };
}

/** One step of the durable echo baseline at `rate` (see the top of this file). */
async function echoStep(base, { mode, rate, stepMs, thresholdMs, rootPid, tag }) {
  const count = Math.round((rate * stepMs) / 1000);
  const url = (room, side) => `${wsBase(base)}/api/bench/durable-echo/${tag}-${rate}-${room}?side=${side}`;
  const errors = {};
  const addError = (code) => { errors[code] = (errors[code] ?? 0) + 1; };
  const lat = [];
  const sockets = [];
  let pairs = [];
  // After a step that collapsed the server may still be working it off: its sockets would not open.
  await waitQuiet(rootPid);
  if (mode === 'warm') {
    const opened = await pool(count, 20, async (i) => {
      const a = await Sock.open(url(i, 'a'));
      const b = await Sock.open(url(i, 'b'));
      sockets.push(a, b);
      return { a, b };
    });
    if (opened.errors.length) throw opened.errors[0];
    pairs = opened.results;
  }
  // As Parlor's warm step: the objects hibernate before the step, and each request wakes one.
  if (mode === 'warm') await settleObjects(rootPid);
  else await waitQuiet(rootPid);
  const stop = await stepCost(rootPid);
  const pending = [];
  let received = 0;
  const { sendSeconds } = await openLoop(count, rate, (i, start) => {
    const got = (b) => b.waitFor((m) => m.type === 'say', 15_000, 'echo').then(([, at]) => { lat.push(at - start); received += 1; });
    if (mode === 'warm') {
      const { a, b } = pairs[i];
      pending.push(got(b).catch(() => addError('not_delivered')));
      a.send({ type: 'say', text: `storm ${i}` });
      return;
    }
    pending.push((async () => {
      const b = await Sock.open(url(i, 'b'));
      sockets.push(b);
      const a = await Sock.open(url(i, 'a'));
      sockets.push(a);
      const done = got(b);
      a.send({ type: 'say', text: `storm ${i}` });
      await done;
    })().catch((e) => addError(/timed out/.test(e.message) ? 'not_delivered' : 'socket')));
  });
  await Promise.all(pending);
  const cost = await stop(count);
  sockets.forEach((x) => x.close());
  const s = summary(lat);
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  const ok = s.p99 != null && s.p99 <= thresholdMs && errorCount === 0;
  log(`  durable echo ${rate}/s: p50 ${s.p50?.toFixed(0)} ms, p99 ${s.p99?.toFixed(0)} ms, ${received}/${count}, errors ${JSON.stringify(errors)}${fmtCost(cost)}`);
  return { rate, requests: count, achieved: count / Math.max(sendSeconds, stepMs / 1000), latency: s, errors, errorCount, ok, ...cost };
}

const fmtCost = (c) => `${c.commitsPerRequest != null ? `, ${c.commitsPerRequest.toFixed(1)} commits` : ''}${c.objectsPerRequest != null ? `, ${c.objectsPerRequest.toFixed(0)} platform objects` : ''}${c.cpuMsPerRequest != null ? `, ${c.cpuMsPerRequest.toFixed(1)} ms workerd CPU` : ''} per request`;

/** The highest rate reached with every step up to it within the threshold. */
function sustainableOf(steps) {
  const firstBad = steps.findIndex((s) => !s.ok);
  return (firstBad < 0 ? steps : steps.slice(0, firstBad)).reduce((m, s) => Math.max(m, s.rate), 0);
}

export async function routingStorm(base, operator, { mode, rates, stepMs, agents, capacity, thresholdMs, rootPid, maxInFlight = 400, id = `bench-storm-${mode}`, baseline = true, storage = 'disk', onWindow }) {
  const offeredAt = new Map();
  const ws = await benchWorkspace(base, operator, {
    id, agents, capacity, dialogue: mode === 'warm' ? warmDialogue() : coldDialogue(), log,
    onOffered: (conv, now) => { if (!offeredAt.has(conv)) offeredAt.set(conv, now); },
  });
  // A baseline that cannot run (a server still busy with a collapsed step) is a row of its own,
  // not the end of the storm.
  const baselineStep = (rate) => echoStep(base, { mode, rate, stepMs, thresholdMs, rootPid, tag: `storm-${mode}` }).catch((e) => {
    log(`  durable echo ${rate}/s: failed: ${e.message}`);
    return { rate, requests: Math.round((rate * stepMs) / 1000), latency: summary([]), errors: { baseline: e.message.split('\n')[0] }, errorCount: 1, ok: false };
  });
  const steps = [];
  const echo = [];
  let stoppedAt = rates.length;
  try {
    for (const [index, rate] of rates.entries()) {
      const count = Math.round((rate * stepMs) / 1000);
      const visitors = mode === 'warm' ? await warmVisitors(base, ws.id, count) : [];
      // Start from an idle server: the previous step's chats have ended, the setup is done, and
      // every conversation set up has hibernated (see `settleObjects`), as one whose visitor read
      // the question card for more than a few seconds has: each request wakes its object. Without
      // it the objects set up first closed during the step, and only in the larger steps (whose
      // setup outlasts local workerd's idle timeout): a burst of checkpoints on the one thread
      // that the smaller steps never had.
      if (mode === 'warm') await settleObjects(rootPid);
      else await waitQuiet(rootPid);
      // The load generator's own stalls (its GC, a busy event loop) would show up as latency.
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const sent = [];
      const errors = {};
      let inFlight = 0;
      let skipped = 0;
      const pending = [];
      const acceptErrorsBefore = ws.stats.acceptErrors;
      const stop = await stepCost(rootPid);
      await onWindow?.('start');
      log(`storm (${mode}, ${storage}): ${rate} live chat requests/s for ${stepMs / 1000} s (${count} requests)`);
      const { t0, sendSeconds } = await openLoop(count, rate, (i, start) => {
        if (mode === 'warm') {
          const { v, conversation } = visitors[i];
          if (v.ws.readyState !== 1) { errors.socket_closed = (errors.socket_closed ?? 0) + 1; return; }
          v.send({ type: 'answer', card: 'ask', button: 'talk' });
          sent.push({ conversation, start });
          return;
        }
        if (inFlight >= maxInFlight) { skipped += 1; return; }
        inFlight += 1;
        pending.push(startConversation(base, ws.id, 'https://bench.example/storm')
          .then((c) => sent.push({ conversation: c.conversation, start }))
          .catch((e) => {
            const code = e.message.match(/→ (\d+)/)?.[1] ?? 'network';
            errors[code] = (errors[code] ?? 0) + 1;
          })
          .finally(() => { inFlight -= 1; }));
      });
      await Promise.all(pending);
      const until = performance.now() + 15_000;
      while (sent.some((s) => !offeredAt.has(s.conversation)) && performance.now() < until) await sleep(100);
      loop.disable();
      const cost = await stop(count);
      await onWindow?.('stop');
      const clientStallMs = loop.max / 1e6;
      const lat = [];
      let missing = 0;
      for (const s of sent) {
        if (offeredAt.has(s.conversation)) lat.push(offeredAt.get(s.conversation) - s.start);
        else missing += 1;
      }
      if (process.env.BENCH_STORM_TRACE) {
        const slow = sent.filter((x) => offeredAt.get(x.conversation) - x.start > 100).map((x) => `${((x.start - t0) / 1000).toFixed(2)}s:${(offeredAt.get(x.conversation) - x.start).toFixed(0)}`);
        log(`  slow (${slow.length}): ${slow.slice(0, 40).join(' ')}`);
      }
      if (missing) {
        errors.no_offer = missing;
        const ended = {};
        for (const x of sent.filter((y) => !offeredAt.has(y.conversation))) {
          const last = visitors.find((y) => y.conversation === x.conversation)?.v.seen.last ?? 'unknown';
          ended[last] = (ended[last] ?? 0) + 1;
        }
        log(`  requests with no offer, by the visitor's last entry: ${JSON.stringify(ended)}`);
        const report = await ws.admin.call('GET', `/api/workspaces/${ws.id}/report`);
        log(`  the workspace's report so far: ${JSON.stringify(report.body?.totals?.missed ?? report.body)}`);
      }
      if (skipped) errors.client_backlog = skipped;
      // An agent's accept refused (the inbox's frame limit, an offer gone): the bench's agents,
      // not the visitors, would be at fault, so the step does not count.
      const refused = ws.stats.acceptErrors - acceptErrorsBefore;
      if (refused) errors.accept_refused = refused;
      const s = summary(lat);
      const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
      const achieved = count / Math.max(sendSeconds, stepMs / 1000);
      const ok = s.p99 != null && s.p99 <= thresholdMs && errorCount === 0;
      steps.push({ rate, requests: count, achieved, latency: s, errors, errorCount, ok, clientStallMs, ...cost });
      log(`  ${rate}/s: p50 ${s.p50?.toFixed(0)} ms, p99 ${s.p99?.toFixed(0)} ms, offers ${lat.length}/${count}, errors ${JSON.stringify(errors)}${fmtCost(cost)}, load generator's longest stall ${clientStallMs.toFixed(0)} ms`);
      // Free the agents' slots for the next step: the visitors end their chats.
      for (const { v } of visitors) if (v.ws.readyState === 1) v.send({ type: 'end' });
      await sleep(visitors.length ? 2000 : 0);
      visitors.forEach(({ v }) => v.close());
      // This step's objects are idle now: let local workerd close them before the next step.
      await settleObjects(rootPid);
      if (baseline) {
        echo.push(await baselineStep(rate));
        await settleObjects(rootPid);
      }
      if (!ok && (s.p99 == null || s.p99 > 4 * thresholdMs || errorCount > count / 10)) {
        log('  storm: degraded well past the threshold, stopping');
        stoppedAt = index + 1;
        break;
      }
    }
  } finally {
    ws.close();
  }
  // Parlor stopped short of the last step: the echo alone takes the steps left while it holds,
  // so the report says whether this machine could have served them at all.
  for (const rate of baseline ? rates.slice(stoppedAt) : []) {
    if (echo.length && !echo[echo.length - 1].ok) break;
    await settleObjects(rootPid);
    echo.push(await baselineStep(rate));
  }
  return {
    mode, storage, steps, sustainable: sustainableOf(steps), thresholdMs, stepMs, agents, capacity, acceptErrors: ws.stats.acceptErrors,
    echo: baseline ? { steps: echo, sustainable: sustainableOf(echo) } : null,
  };
}
