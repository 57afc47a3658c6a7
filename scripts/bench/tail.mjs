// What the slowest deliveries of a chat window met (with BENCH_CHAT_TRACE, scripts/bench/chat.mjs):
// a V8 collection stopping workerd's one thread, or the load generator itself not running
// (its own collector, or any other stall), which stamps whatever arrives meanwhile late.
import { summary } from './common.mjs';

const OWN_GC_KINDS = { 1: 'young', 2: 'full', 4: 'incremental', 8: 'weak callbacks' };

/**
 * Of the deliveries above the p99, how many were in flight during one of workerd's collections
 * or within `wakeMs` after it (the backlog it left), and of the others how many during one of
 * this process's own collections or other stalls. `traced` holds [send time, latency] and
 * `ownGc`/`ownStalls` [start, end] on `performance.now()`; `pauses` ({ kind, startMs, ms }, from
 * scripts/lib/gc-pauses.mjs) are on the monotonic clock.
 */
export function tailAndPauses(traced, pauses, ownGc, ownStalls, wakeMs = 20) {
  const offset = Number(process.hrtime.bigint()) / 1e6 - performance.now();
  const p99 = summary(traced.map(([, l]) => l)).p99;
  const tail = traced.filter(([, l]) => l > p99);
  const spans = pauses.map((p) => [p.startMs - offset, p.startMs + p.ms + wakeMs - offset]);
  const meets = (list) => ([t, l]) => list.some(([a, b]) => t < b && t + l > a);
  const [pause, own, stall] = [meets(spans), meets(ownGc), meets(ownStalls)];
  const inPause = tail.filter(pause);
  const rest = tail.filter((d) => !pause(d));
  const inOwnGc = rest.filter(own).length;
  const inStall = rest.filter((d) => !own(d) && stall(d)).length;
  const kinds = {};
  for (const [a, b, k] of ownGc) {
    const c = (kinds[OWN_GC_KINDS[k] ?? `kind ${k}`] ??= { n: 0, ms: 0 });
    c.n += 1;
    c.ms += b - a;
  }
  const ownSummary = Object.entries(kinds).map(([k, c]) => `${c.n} ${k} ${c.ms.toFixed(0)} ms`).join(', ');
  const stopped = pauses.reduce((s, p) => s + p.ms, 0);
  const first = traced.reduce((m, [t]) => Math.min(m, t), Infinity);
  const when = pauses.map((p) => `${p.kind === 'mark_compact' ? 'full' : 'young'} ${((p.startMs - offset - first) / 1000).toFixed(1)}s ${p.ms.toFixed(0)}ms`).join(', ');
  return `tail: ${tail.length} deliveries above the p99 (${p99?.toFixed(1)} ms): ${inPause.length} in flight during a workerd GC pause or its ${wakeMs} ms after (${pauses.length} pauses, ${stopped.toFixed(0)} ms); of the others, ${inOwnGc} during the load generator's own collections (${ownSummary || 'none'}), ${inStall} during its other stalls over 2 ms (${ownStalls.length}); the pauses, seconds into the window: ${when}`;
}
