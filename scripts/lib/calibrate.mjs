// Machine calibration for BENCHMARKS.md, so runs on different machines can be compared:
// what one durable commit costs on the filesystem that holds the server's state (synchronous
// 4 KB writes, each followed by fsync, as SQLite ends a commit), how fast a fixed CPU loop runs,
// and how busy the machine is.
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
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

/** Everything above, for the state directories the benchmark uses. */
export function calibrate(stateDirs) {
  return {
    loadavg: os.loadavg().map((l) => l.toFixed(2)).join(' '),
    cpu: cpuLoop(),
    fsync: stateDirs.map((d) => fsyncLatency(d)),
  };
}
