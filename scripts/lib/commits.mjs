// Counts storage commits of the local server from the outside: local workerd ends every SQLite
// commit of a Durable Object with an fsync of its database's write-ahead log (measured: 100 chat
// messages, 100 commits + the index updates), so the kernel's count of fsync/fdatasync calls by
// the workerd processes during a window is the number of durable commits in it, all objects
// together (a WAL checkpoint, when an idle object closes, adds a few). Uses `perf stat` on the
// syscall tracepoints (root, or perf_event_paranoid ≤ 1); without it, `available` is false and
// callers report "not measured".
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const EVENTS = ['syscalls:sys_enter_fsync', 'syscalls:sys_enter_fdatasync'];

/** Pids of the `workerd` processes under `rootPid` (found through /proc). */
export function workerdPids(rootPid) {
  const kids = new Map();
  const names = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      names.set(Number(name), stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(name));
    } catch {}
  }
  const found = [];
  const stack = [rootPid];
  while (stack.length) {
    for (const c of kids.get(stack.pop()) ?? []) {
      stack.push(c);
      if (names.get(c)?.startsWith('workerd')) found.push(c);
    }
  }
  return found;
}

let probed;
/** Whether `perf stat` can count the fsync tracepoints here (checked once). */
export function commitCounting() {
  if (probed === undefined) {
    const r = spawnSync('perf', ['stat', '-x,', '-e', EVENTS.join(','), 'true'], { encoding: 'utf8' });
    probed = r.status === 0 && !/not supported|No permission|invalid|Error/i.test(r.stderr ?? '');
  }
  return probed;
}

/**
 * Starts counting fsync + fdatasync calls of the workerd processes under `rootPid`. `stop()`
 * resolves with `{ fsync, fdatasync, commits }`, or `null` if counting is not available.
 */
export function countCommits(rootPid) {
  const pids = rootPid ? workerdPids(rootPid) : [];
  if (!pids.length || !commitCounting()) return { available: false, stop: async () => null };
  const counter = countEvents(EVENTS, pids);
  return {
    available: true,
    ready: counter.ready,
    stop: async () => {
      const counts = await counter.stop();
      const fsync = counts.get('syscalls:sys_enter_fsync');
      const fdatasync = counts.get('syscalls:sys_enter_fdatasync');
      if (fsync == null || fdatasync == null) return null;
      return { fsync, fdatasync, commits: fsync + fdatasync };
    },
  };
}

/**
 * Counts `events` (perf event names) of `pids` with `perf stat` until `stop()`, which resolves
 * with a Map of event name → count (an event perf could not count is missing).
 */
export function countEvents(events, pids) {
  const perf = attachPerf(['stat', '-x,', '-e', events.join(',')], pids, ['ignore', 'ignore', 'pipe']);
  let err = '';
  perf.child.stderr.on('data', (d) => { err += d.toString(); });
  return {
    ready: perf.ready,
    stop: async () => {
      await perf.stop();
      const counts = new Map();
      for (const event of events) {
        const line = err.split('\n').find((l) => l.includes(event));
        const n = Number(line?.split(',')[0]);
        if (line && Number.isFinite(n)) counts.set(event, n);
      }
      return counts;
    },
  };
}

/**
 * Runs `perf <args> -p <pids>` until `stop()` (SIGINT, then its exit). `ready` resolves after a
 * short grace: perf attaches asynchronously, and the first events of a window should count.
 */
export function attachPerf(args, pids, stdio) {
  const child = spawn('perf', [...args, '-p', pids.join(',')], { stdio });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = new Promise((r) => setTimeout(r, 300));
  return { child, ready, stop: async () => { child.kill('SIGINT'); await exited; } };
}
