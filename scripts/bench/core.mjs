// Section 4: the sans-IO core. Routing decisions/s from criterion (1,000 agents) and the
// simulation test's events/s (router calls on a simulated clock), both release builds.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cargoBin, root } from '../lib/paths.mjs';
import { log } from './common.mjs';

const env = { ...process.env, PATH: `${cargoBin}:${process.env.PATH}` };

function cargo(args, timeoutMs) {
  const r = spawnSync('cargo', args, { cwd: root, env, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}\n${r.stderr ?? ''}`, error: r.error?.message };
}

const UNIT = { '': 1, K: 1e3, M: 1e6, G: 1e9 };

/** criterion's `name … thrpt: [lo mid hi]` lines → { name: elements/s (mid) }. */
export function parseCriterion(out) {
  const results = {};
  const re = /^(\S+\/\S+)\s*\n?\s*time:\s*\[[^\]]*\]\s*\n\s*thrpt:\s*\[\s*[\d.]+ \w+\/s\s+([\d.]+) ([KMG]?)elem\/s/gm;
  for (const m of out.matchAll(re)) results[m[1]] = Number(m[2]) * UNIT[m[3]];
  return results;
}

export function coreBench() {
  const result = {};
  log('core: cargo bench -p parlor-core --bench routing (release; compiles on first use)');
  const b = cargo(['bench', '-p', 'parlor-core', '--bench', 'routing', '--', '--warm-up-time', '1', '--measurement-time', '3'], 600_000);
  result.routing = parseCriterion(b.out);
  if (!b.ok || !Object.keys(result.routing).length) result.routingError = b.error ?? b.out.slice(-800);
  for (const [k, v] of Object.entries(result.routing)) log(`  ${k}: ${Math.round(v).toLocaleString('en-US')} decisions/s`);

  log('core: cargo test -p parlor-core --release --test simulation -- --nocapture');
  const s = cargo(['test', '-p', 'parlor-core', '--release', '--test', 'simulation', '--', '--nocapture'], 600_000);
  const m = s.out.match(/simulation: (\d+) router calls in ([^(]+)\((\d+) events\/s, (\w+) build\)/);
  if (m) {
    result.simulation = { calls: Number(m[1]), elapsed: m[2].trim(), eventsPerSecond: Number(m[3]), build: m[4], passed: s.ok };
    log(`  simulation: ${Number(m[3]).toLocaleString('en-US')} events/s (${m[1]} router calls, ${m[4]} build)`);
  } else {
    result.simulationError = s.error ?? s.out.slice(-800);
  }
  return result;
}
