// Counts the SQL statements the objects run for a few moments that matter, by statement: a
// server started with the `SQL_TRACE` var logs every statement (edge/src/sql.rs), and this
// script counts the log lines of each moment. The moments are taken on a server restarted over
// stored state, so every object starts as a new instance, as it does after hibernation:
//   workspace wake    — a visitor's availability check reaches the workspace
//   conversation wake — the visitor's page opens its socket again and says hello
// Usage (after `node scripts/build.mjs`): node scripts/trace-sql.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sock } from './bench/common.mjs';
import { startConversation, wsBase } from './bench/workspace.mjs';
import { seedWorkspace } from './lib/demo.mjs';
import { devVars, startServer } from './lib/server.mjs';

const state = mkdtempSync(join(tmpdir(), 'parlor-sql-trace-'));
const persistTo = join(state, 'persist');
const lines = [];
const log = (line) => {
  const m = line.match(/sql-trace: (.*)$/);
  if (m) lines.push(m[1].trim());
};
const serve = () => startServer({ persistTo, log, vars: { SQL_TRACE: '1' } });
/** Until the log has been quiet for 2 s (the server's console reaches us late, in bursts). */
async function settle() {
  let seen = -1;
  for (let waited = 0; waited < 20_000 && seen !== lines.length; waited += 2000) {
    seen = lines.length;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Runs `fn`, waits for the log to catch up, and prints the statements logged meanwhile. */
async function moment(name, fn) {
  await settle();
  const from = lines.length;
  await fn();
  await settle();
  const seen = lines.slice(from);
  const counts = new Map();
  for (const q of seen) counts.set(q, (counts.get(q) ?? 0) + 1);
  console.log(`\n${name}: ${seen.length} statements`);
  for (const [q, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(3)}  ${q.slice(0, 150)}`);
  return seen.length;
}

const hello = async (base, token) => {
  const v = await Sock.open(`${wsBase(base)}/api/visitor/ws?token=${encodeURIComponent(token)}`);
  const card = v.waitFor((m) => m.type === 'entry' && m.entry.event === 'card', 15_000, 'a card');
  v.send({ type: 'hello', v: 1, last_seq: 0 });
  await card;
  return v;
};

let server = await serve();
try {
  await seedWorkspace(server.url, devVars().ADMIN_TOKEN);
  const c = await startConversation(server.url, 'demo', 'https://trace.example/pricing');
  (await hello(server.url, c.token)).close();
  await server.stop();
  // The same stored state, new instances of every object.
  server = await serve();
  await moment('workspace wake (availability check)', async () => {
    const r = await fetch(`${server.url}/api/visitor/availability?workspace=demo`);
    if (!r.ok) throw new Error(`availability → ${r.status}`);
  });
  await moment('conversation wake (socket opened again, hello)', async () => {
    (await hello(server.url, c.token)).close();
  });
} finally {
  await server.stop();
  rmSync(state, { recursive: true, force: true });
}
process.exit(0);
