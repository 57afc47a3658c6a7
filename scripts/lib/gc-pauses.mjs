// Counts V8 garbage-collection pauses of the local server from the outside: uprobes on the entry
// and return of workerd's young-generation collectors (`ScavengerCollector::CollectGarbage`,
// `MinorMarkSweepCollector::CollectGarbage`) and of the full collector's pause
// (`Heap::MarkCompact`), recorded with `perf record` for the workerd processes over a window.
// A chat's tail latency is mostly these pauses (docs/performance.md), so the bench prints how
// many fell in each row's window and how long they stopped the thread — and what asked for each
// full one (probes on `Heap::CollectGarbage` and `Heap::StartIncrementalMarking` that read the
// `GarbageCollectionReason` argument). Needs root (uprobes),
// `perf`, `nm` and `readelf`; without them `available` is false and callers report "not measured".
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachPerf, workerdPids } from './commits.mjs';
import { fileOffset, workerdBinary } from './elf.mjs';

const GROUP = 'parlor_gc';
const COLLECTORS = {
  scavenge: 'v8::internal::ScavengerCollector::CollectGarbage()',
  minor_mark_sweep: 'v8::internal::MinorMarkSweepCollector::CollectGarbage()',
  mark_compact: 'v8::internal::Heap::MarkCompact()',
};

// What started each collection: the entry of the incremental full collector and of the atomic
// collector, with their `GarbageCollectionReason` (third argument, %dx on x86-64) and, for the
// latter, the space it was asked for (second argument, %si). Matched by prefix: the full
// signatures change with V8's versions.
const STARTERS = {
  start_marking: { prefix: 'v8::internal::Heap::StartIncrementalMarking(', args: 'reason=%dx:u8' },
  collect: { prefix: 'v8::internal::Heap::CollectGarbage(v8::internal::AllocationSpace', args: 'space=%si:u8 reason=%dx:u8' },
};
// V8's `GarbageCollectionReason` (src/common/globals.h), in order.
const REASONS = ['unknown', 'allocation failure', 'allocation limit', 'context disposal', 'counters extension',
  'debugger', 'deserializer', 'external memory pressure', 'finalize marking via stack guard',
  'finalize marking via task', 'full hash table', 'heap profiler', 'task', 'last resort',
  'low memory notification', 'make heap iterable', 'memory pressure', 'memory reducer', 'runtime',
  'sampling profiler', 'snapshot creator', 'testing', 'external finalize', 'global allocation limit',
  'measure memory', 'background allocation failure'];
// `AllocationSpace`: NEW_SPACE asks for a young-generation collection.
const NEW_SPACE = 1;

const run = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });

/** The file offset of each collector and starter in the workerd binary, or null. */
function offsets(binary) {
  const out = {};
  for (const [name, sym] of Object.entries(COLLECTORS)) out[name] = fileOffset(binary, (n) => n === sym);
  for (const [name, { prefix }] of Object.entries(STARTERS)) out[name] = fileOffset(binary, (n) => n.startsWith(prefix));
  for (const name of Object.keys(out)) if (out[name] == null) delete out[name];
  return Object.keys(out).length ? out : null;
}

let probed;
/** Defines the probes once per bench run; whether GC pauses can be counted here. */
export function gcCounting() {
  if (probed !== undefined) return probed;
  probed = false;
  const binary = workerdBinary();
  if (!binary) return probed;
  const at = offsets(binary);
  if (!at) return probed;
  run('perf', ['probe', '-q', '-d', `${GROUP}:*`]);
  let ok = true;
  for (const [name, off] of Object.entries(at)) {
    const hex = `0x${off.toString(16)}`;
    if (STARTERS[name]) {
      // Entry only, with its arguments; a binary without it still counts the pauses.
      run('perf', ['probe', '-q', '-x', binary, '-a', `${GROUP}:${name}=${hex} ${STARTERS[name].args}`]);
      continue;
    }
    ok &&= run('perf', ['probe', '-q', '-x', binary, '-a', `${GROUP}:${name}=${hex}`]).status === 0;
    ok &&= run('perf', ['probe', '-q', '-x', binary, '-a', `${GROUP}:${name}_end=${hex}%return`]).status === 0;
  }
  if (ok) process.once('exit', () => run('perf', ['probe', '-q', '-d', `${GROUP}:*`]));
  probed = ok;
  return probed;
}

/**
 * Starts recording GC pauses of the workerd processes under `rootPid`. `stop()` resolves with
 * `{ count, totalMs, maxMs, byKind: { scavenge: {count, totalMs, maxMs}, … }, list }`, or
 * `null`; `list` holds each pause as `{ kind, startMs, ms }`, `startMs` on the monotonic clock.
 */
export function countGcPauses(rootPid) {
  const pids = rootPid ? workerdPids(rootPid) : [];
  if (!pids.length || !gcCounting()) return { available: false, ready: Promise.resolve(), stop: async () => null };
  const dir = mkdtempSync(join(tmpdir(), 'parlor-gc-'));
  const data = join(dir, 'gc.data');
  // BENCH_GC_STACKS=<file>: also record each event's native stack and append them to <file>
  // (what allocated when a full collection was asked for; docs/performance.md).
  const stacks = process.env.BENCH_GC_STACKS;
  // Stamped on the monotonic clock, as Node's `process.hrtime`, so a bench can line pauses up
  // with its own messages (`list`).
  const perf = attachPerf(['record', '-q', '-k', 'CLOCK_MONOTONIC', ...(stacks ? ['--call-graph', 'dwarf,16384'] : []), '-e', `${GROUP}:*`, '-o', data], pids, 'ignore');
  return {
    available: true,
    ready: perf.ready,
    stop: async () => {
      await perf.stop();
      const script = run('perf', ['script', '-i', data, '-F', 'tid,time,event,trace']);
      if (stacks && script.status === 0) appendFileSync(stacks, `${run('perf', ['script', '-i', data]).stdout}\n`);
      rmSync(dir, { recursive: true, force: true });
      return script.status === 0 ? pauses(script.stdout) : null;
    },
  };
}

/**
 * Pairs each collector's entry with its return on the same thread, and counts what started the
 * full collections (`fullReasons`: reason → count).
 */
function pauses(text) {
  const open = new Map();
  const byKind = {};
  const fullReasons = {};
  const asked = new Map();
  const list = [];
  for (const line of text.split('\n')) {
    const m = line.match(/^\s*(\d+)\s+([\d.]+):\s+parlor_gc:(\w+?)(_end__return)?:(.*)$/);
    if (!m) continue;
    const [, tid, t, kind, end, rest] = m;
    if (STARTERS[kind]) {
      const code = Number(rest.match(/reason=(\d+)/)?.[1]);
      const reason = REASONS[code] ?? `reason ${code}`;
      if (kind === 'start_marking') {
        const key = `incremental marking started by ${reason}`;
        fullReasons[key] = (fullReasons[key] ?? 0) + 1;
      } else {
        // V8 may turn a young-generation request into a full collection (when the old
        // generation could not take the survivors): the pause is the last request's.
        const space = Number(rest.match(/space=(\d+)/)?.[1] ?? -1);
        asked.set(tid, `${reason}${space === NEW_SPACE ? ', asked for the young generation' : ''}`);
      }
      continue;
    }
    if (kind === 'mark_compact' && !end) {
      const key = `pause after ${asked.get(tid) ?? 'a request before the window'}`;
      fullReasons[key] = (fullReasons[key] ?? 0) + 1;
    }
    const key = `${tid} ${kind}`;
    if (!end) { open.set(key, Number(t)); continue; }
    const start = open.get(key);
    if (start === undefined) continue;
    open.delete(key);
    const ms = (Number(t) - start) * 1000;
    list.push({ kind, startMs: start * 1000, ms });
    const k = (byKind[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
    k.count += 1;
    k.totalMs += ms;
    k.maxMs = Math.max(k.maxMs, ms);
  }
  const all = Object.values(byKind);
  return {
    count: all.reduce((a, k) => a + k.count, 0),
    totalMs: all.reduce((a, k) => a + k.totalMs, 0),
    maxMs: Math.max(0, ...all.map((k) => k.maxMs)),
    byKind,
    fullReasons,
    list,
  };
}
