// Counts the SQL statements and alarm calls per request in each step of the routing storm: a
// server started with the `SQL_TRACE` var logs each one (edge/src/sql.rs), and the lines logged
// from a step's first request until the server is quiet again are that step's. Tracing slows the
// server, so a step falls behind at a lower rate than in the bench; comparing a step the server
// keeps up with to one it falls behind in shows the work that only appears when it lags.
// Usage (after `node scripts/build.mjs`): node scripts/trace-storm.mjs [rates] [warm|cold]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STORM_AGENTS, STORM_CAPACITY, routingStorm } from './bench/storm.mjs';
import { seedWorkspace } from './lib/demo.mjs';
import { devVars, startServer } from './lib/server.mjs';

const rates = (process.argv[2] ?? '50,150').split(',').map(Number);
const mode = process.argv[3] ?? 'warm';
const state = mkdtempSync(join(tmpdir(), 'parlor-storm-trace-'));
const lines = [];
const log = (line) => {
  const m = line.match(/sql-trace: (.*)$/);
  if (m) lines.push(m[1].trim().replace(/'[^']*'/g, "'…'").replace(/\d+/g, 'N'));
};
const server = await startServer({ persistTo: join(state, 'persist'), log, vars: { SQL_TRACE: '1' } });
const windows = [];
try {
  const operator = devVars().ADMIN_TOKEN;
  await seedWorkspace(server.url, operator);
  let from = 0;
  const onWindow = async (edge) => {
    // The server's console reaches us late: let it catch up before cutting the window.
    await new Promise((r) => setTimeout(r, 3000));
    if (edge === 'start') from = lines.length;
    else windows.push(lines.slice(from));
  };
  const { steps } = await routingStorm(server.url, operator, { mode, rates, stepMs: 5000, agents: STORM_AGENTS, capacity: STORM_CAPACITY, thresholdMs: 250, rootPid: server.pid, baseline: false, onWindow });
  const table = new Map();
  steps.forEach((s, i) => {
    for (const q of windows[i] ?? []) {
      const row = table.get(q) ?? new Array(steps.length).fill(0);
      row[i] += 1 / s.requests;
      table.set(q, row);
    }
  });
  console.log(`per request, by step: ${steps.map((s) => `${s.rate}/s (p50 ${s.latency.p50?.toFixed(0)} ms, p99 ${s.latency.p99?.toFixed(0)} ms)`).join(' | ')}`);
  console.log(`  total ${steps.map((s, i) => ((windows[i]?.length ?? 0) / s.requests).toFixed(2).padStart(6)).join(' ')}`);
  const spread = (row) => Math.max(...row) - Math.min(...row);
  for (const [q, row] of [...table].sort((a, b) => spread(b[1]) - spread(a[1]))) {
    console.log(`  ${row.map((x) => x.toFixed(2).padStart(6)).join(' ')}  ${q.slice(0, 140)}`);
  }
} finally {
  await server.stop();
  rmSync(state, { recursive: true, force: true });
}
process.exit(0);
