// Machine calibration for BENCHMARKS.md, so runs on different machines can be compared:
// what one durable commit costs on the filesystem that holds the server's state (synchronous
// 4 KB writes, each followed by fsync, as SQLite ends a commit), how fast a fixed CPU loop runs,
// how busy the machine is, and how fast it hands out memory it never used before (which the
// calibration then touches once, so every run meets a machine in its steady state).
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { summary } from '../bench/common.mjs';

/** `n` × (4 KB write + fsync) into a fresh file under `dir`: per-write latencies and total. */
export function fsyncLatency(dir, n = 500) {
  const tmp = mkdtempSync(join(dir, 'parlor-fsync-'));
  const file = join(tmp, 'probe');
  const block = Buffer.alloc(4096, 0x5a);
  const times = [];
  const fd = openSync(file, 'w');
  const start = performance.now();
  try {
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      writeSync(fd, block, 0, block.length, i * block.length);
      fsyncSync(fd);
      times.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
    rmSync(tmp, { recursive: true, force: true });
  }
  return { dir, fs: filesystemOf(dir), n, totalMs: performance.now() - start, ...summary(times) };
}

/** The filesystem of `dir` (`df`), e.g. "ext4 on /dev/vda" or "tmpfs". */
function filesystemOf(dir) {
  try {
    const out = execFileSync('df', ['--output=fstype,source', dir], { encoding: 'utf8' }).trim().split('\n');
    const [type, source] = out[out.length - 1].trim().split(/\s+/);
    return type === source ? type : `${type} on ${source}`;
  } catch {
    return 'unknown filesystem';
  }
}

/** A fixed integer loop (xorshift, 50 M steps): the fastest of three runs, in ms. */
export function cpuLoop(steps = 50_000_000) {
  let best = Infinity;
  let sink = 0;
  for (let run = 0; run < 3; run++) {
    const t = performance.now();
    let x = 2463534242 + run;
    for (let i = 0; i < steps; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
    }
    sink ^= x;
    best = Math.min(best, performance.now() - t);
  }
  return { steps, ms: best, sink };
}

/** Bytes the kernel says can be allocated without swapping (`MemAvailable`), or null. */
function memAvailable() {
  try {
    const kb = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
}

// A child process that takes `bytes` in 256 MB buffers, writes one byte per 4 KB page, and
// prints how long that took; its exit hands every page back to the kernel.
const TOUCH = `const n = Number(process.argv[1]); const chunk = 256 << 20; const kept = [];
const t = performance.now();
for (let done = 0; done < n; done += chunk) { const b = Buffer.allocUnsafeSlow(chunk); for (let i = 0; i < chunk; i += 4096) b[i] = 1; kept.push(b); }
console.log(performance.now() - t);`;

/**
 * Touches the machine's free memory (all of it but `spareBytes`, at most `maxBytes`) twice,
 * each time in a child process that then exits: a page this virtual machine never used costs
 * its host an allocation on the first touch (on the machines of this kind 0.3–0.5 GB/s against
 * 1.7–2.3 GB/s for a page used before), and a server started on a fresh machine pays that in its
 * collector's pauses, which would make the first runs of a bench measure the machine's age. The
 * first pass pays it for every run that follows; the second measures the steady state. Returns
 * both rates, or null where the memory cannot be read.
 */
export function warmMemory({ spareBytes = 3 * 1024 ** 3, maxBytes = 24 * 1024 ** 3 } = {}) {
  const available = memAvailable();
  if (!available || available <= spareBytes + 1024 ** 3) return null;
  const bytes = Math.min(available - spareBytes, maxBytes);
  const pass = () => {
    const ms = Number(execFileSync(process.execPath, ['-e', TOUCH, String(bytes)], { encoding: 'utf8' }).trim());
    return { ms, gbPerSecond: bytes / 1024 ** 3 / (ms / 1000) };
  };
  try {
    return { gb: bytes / 1024 ** 3, first: pass(), again: pass() };
  } catch {
    return null;
  }
}

// The virtual machines of this kind report the guest's free memory to their host (virtio-balloon
// free page reporting), which takes the pages back: a page freed for more than a moment costs a
// host fault when it is used again (0.3–0.5 GB/s against 2.3 GB/s). Every collection that
// takes back pages its heap gave up pays that, so the collector's pauses would measure the
// hypervisor. Reporting free blocks of order 11 and up — none exist — holds it off.
const REPORTING = '/sys/module/page_reporting/parameters/page_reporting_order';
const HELD = '11';

/**
 * Holds the machine's free page reporting off until this process ends (the setting is put back
 * on exit, Ctrl+C or SIGTERM); `BENCH_PAGE_REPORTING=keep` leaves it on. Returns the setting
 * before and during the run, or null where there is none (not such a machine, or not root).
 */
export function holdFreePageReporting() {
  if (process.env.BENCH_PAGE_REPORTING === 'keep') return null;
  let was;
  try {
    was = readFileSync(REPORTING, 'utf8').trim();
    if (was !== HELD) writeFileSync(REPORTING, HELD);
  } catch {
    return null;
  }
  const restore = () => {
    try {
      writeFileSync(REPORTING, was);
    } catch {}
  };
  process.once('exit', restore);
  // The shell's status for a process a signal ended: 128 + its number (SIGINT 2, SIGTERM 15).
  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]]) process.once(signal, () => process.exit(status));
  return { was, held: HELD };
}

/** Everything above, for the state directories the benchmark uses; the memory first. */
export function calibrate(stateDirs) {
  const loadavg = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const pageReporting = holdFreePageReporting();
  return {
    loadavg,
    pageReporting,
    memory: warmMemory(),
    cpu: cpuLoop(),
    fsync: stateDirs.map((d) => fsyncLatency(d)),
  };
}
