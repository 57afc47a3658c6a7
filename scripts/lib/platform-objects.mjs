// Counts the platform objects the local server hands to JavaScript: a uprobe on workerd's
// `jsg::Wrappable::attachWrapper`, called once for each of its API objects (a SQL cursor, a
// WebSocket message's event, an RPC promise, a `Request`, …) the first time JS sees it. Each
// one is a C++ object on the collector's heap that only a full collection frees, and what a
// full collection costs follows how many there are (docs/performance.md), so "objects per
// message" is the number that says whether a change to the message path moves the chat tail —
// steadier than the tail itself, which one pause more or less in a window moves.
// `BENCH_OBJECT_STACKS=<file>` also records each one's native stack (what made it) and appends
// the calls that made them, counted, to <file> (with `BENCH_OBJECT_STACKS_RAW=1`, every whole
// native stack to <file>.raw as well). Needs root (uprobes), `perf`, `nm` and
// `readelf`; without them `available` is false and callers report "not measured".
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachPerf, countEvents, workerdPids } from './commits.mjs';
import { fileOffset, workerdBinary } from './elf.mjs';

const GROUP = 'parlor_obj';
const SYMBOL = 'workerd::jsg::Wrappable::attachWrapper(';

const run = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });

let probed;
/** Defines the probe once per process; whether platform objects can be counted here. */
export function objectCounting() {
  if (probed !== undefined) return probed;
  probed = false;
  const binary = workerdBinary();
  if (!binary) return probed;
  const at = fileOffset(binary, (name) => name.startsWith(SYMBOL));
  if (at == null) return probed;
  run('perf', ['probe', '-q', '-d', `${GROUP}:*`]);
  probed = run('perf', ['probe', '-q', '-x', binary, '-a', `${GROUP}:wrap=0x${at.toString(16)}`]).status === 0;
  if (probed) process.once('exit', () => run('perf', ['probe', '-q', '-d', `${GROUP}:*`]));
  return probed;
}

/**
 * Starts counting the platform objects made by the workerd processes under `rootPid`.
 * `stop()` resolves with `{ objects }`, or `null`.
 */
export function countPlatformObjects(rootPid) {
  const pids = rootPid ? workerdPids(rootPid) : [];
  if (!pids.length || !objectCounting()) return { available: false, ready: Promise.resolve(), stop: async () => null };
  const stacks = process.env.BENCH_OBJECT_STACKS;
  if (stacks) return recordStacks(pids, stacks);
  const counter = countEvents([`${GROUP}:wrap`], pids);
  return {
    available: true,
    ready: counter.ready,
    stop: async () => {
      const objects = (await counter.stop()).get(`${GROUP}:wrap`);
      return objects == null ? null : { objects };
    },
  };
}

// With stacks: `perf record` of every event, then the calls that made them, counted by the
// first frame outside jsg (the API function that made the object, e.g.
// `workerd::api::SqlStorage::exec`).
function recordStacks(pids, file) {
  const dir = mkdtempSync(join(tmpdir(), 'parlor-obj-'));
  const data = join(dir, 'obj.data');
  const perf = attachPerf(['record', '-q', '--call-graph', 'dwarf,8192', '-e', `${GROUP}:wrap`, '-o', data], pids, 'ignore');
  return {
    available: true,
    ready: perf.ready,
    stop: async () => {
      await perf.stop();
      const script = run('perf', ['script', '-i', data, '-F', 'ip,sym']);
      rmSync(dir, { recursive: true, force: true });
      if (script.status !== 0) return null;
      // The whole native stack of each object, for reading what made it.
      if (process.env.BENCH_OBJECT_STACKS_RAW) appendFileSync(`${file}.raw`, script.stdout);
      const makers = new Map();
      let objects = 0;
      for (const event of script.stdout.split('\n\n')) {
        const frames = event.split('\n').map((l) => l.trim().replace(/^[0-9a-f]+\s+/, '')).filter(Boolean);
        if (!frames.length) continue;
        objects += 1;
        const maker = frames.find((f) => !/jsg::|^v8::|kj::|^\[unknown\]|Wrappable|std::/.test(f)) ?? frames[frames.length - 1];
        makers.set(maker, (makers.get(maker) ?? 0) + 1);
      }
      const lines = [...makers].sort((a, b) => b[1] - a[1]).map(([m, n]) => `${String(n).padStart(8)}  ${m}`);
      appendFileSync(file, `${objects} objects\n${lines.join('\n')}\n\n`);
      return { objects };
    },
  };
}
