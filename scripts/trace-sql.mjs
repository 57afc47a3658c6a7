// Counts the SQL statements the objects run for a few moments that matter, by statement: a
// server started with the `SQL_TRACE` var logs every statement and alarm call (edge/src/sql.rs), and this
// script counts the log lines of each moment. The moments are taken on a server restarted over
// stored state, so every object starts as a new instance, as it does after hibernation:
//   workspace wake    — a visitor's availability check reaches the workspace
//   conversation wake — the visitor's page opens its socket again and says hello
// then, on the warm server, the two moments the benchmarks repeat:
//   routed chat       — a visitor at a question card asks for the live chat, an agent accepts
//                       (the routing storm's warm request, scripts/bench/storm.mjs)
//   chat message      — a visitor's message in an accepted chat (the chat load's message)
// and the first two again after the objects were idle long enough to leave memory: new instances
// in the same isolate, as after hibernation without a restart.
// Usage (after `node scripts/build.mjs`): node scripts/trace-sql.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sock } from './bench/common.mjs';
import { countCommits } from './lib/commits.mjs';
import { warmDialogue } from './bench/storm.mjs';
import { benchWorkspace, startConversation, wsBase } from './bench/workspace.mjs';
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

/**
 * Runs `fn`, waits for the log to catch up, and prints the statements logged meanwhile, and
 * the commits (fsyncs of the workerd processes, scripts/lib/commits.mjs) when they can be counted.
 */
async function moment(name, fn) {
  await settle();
  const commits = countCommits(server.pid);
  await commits.ready;
  const from = lines.length;
  await fn();
  await settle();
  const counted = await commits.stop();
  const seen = lines.slice(from);
  const counts = new Map();
  for (const q of seen) counts.set(q, (counts.get(q) ?? 0) + 1);
  // Alarm calls (`getAlarm`, `setAlarm`, `deleteAlarm`) are traced too, as SQL comments.
  const calls = seen.filter((q) => q.startsWith('-- storage.')).length;
  console.log(`\n${name}: ${seen.length - calls} statements, ${calls} alarm calls, ${counted ? `${counted.commits} commits` : 'commits not counted'}`);
  for (const [q, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(3)}  ${q.slice(0, 150)}`);
}

const hello = async (base, token) => {
  const v = await Sock.open(`${wsBase(base)}/api/visitor/ws?token=${encodeURIComponent(token)}`);
  const card = v.waitFor((m) => m.type === 'entry' && m.entry.event === 'card', 15_000, 'a card');
  v.send({ type: 'hello', v: 1, last_seq: 0 });
  await card;
  return v;
};

/** The demo workspace, then conversation `c`, woken: an availability check, then its visitor's socket. */
async function wakeBoth(c, how) {
  await moment(`workspace ${how} (availability check)`, async () => {
    const r = await fetch(`${server.url}/api/visitor/availability?workspace=demo`);
    if (!r.ok) throw new Error(`availability → ${r.status}`);
  });
  await moment(`conversation ${how} (socket opened again, hello)`, async () => {
    (await hello(server.url, c.token)).close();
  });
}

let server = await serve();
try {
  await seedWorkspace(server.url, devVars().ADMIN_TOKEN);
  const c = await startConversation(server.url, 'demo', 'https://trace.example/pricing');
  (await hello(server.url, c.token)).close();
  // The conversation's deadline for a closed page (5 s) fires on this server, not in a moment.
  await new Promise((r) => setTimeout(r, 7000));
  await server.stop();
  // The same stored state, new instances of every object.
  server = await serve();
  await wakeBoth(c, 'wake');
  // A workspace with one agent whose inbox accepts every offer; a visitor at the question card.
  let started;
  const chatStarted = new Promise((r) => { started = r; });
  const team = await benchWorkspace(server.url, devVars().ADMIN_TOKEN, {
    id: 'trace', agents: 1, capacity: 10, dialogue: warmDialogue(), onChatStarted: () => started(),
  });
  const w = await startConversation(server.url, 'trace', 'https://trace.example/storm');
  const v = await hello(server.url, w.token);
  await moment('routed chat (visitor asks for the live chat, the agent accepts)', async () => {
    v.send({ type: 'answer', card: 'ask', button: 'talk' });
    await chatStarted;
  });
  const a = await Sock.open(`${wsBase(server.url)}/api/workspaces/trace/conversations/${w.conversation}/ws?token=${encodeURIComponent(team.tokens[0])}`);
  const welcome = a.waitFor((m) => m.type === 'welcome', 15_000, 'agent chat welcome');
  a.send({ type: 'hello', v: 1, last_seq: 0 });
  await welcome;
  await moment('chat message (visitor says a line in the accepted chat)', async () => {
    const seen = a.waitFor((m) => m.type === 'entry' && m.entry.event === 'message', 15_000, 'the message');
    v.send({ type: 'say', client_id: 'trace-1', text: 'hello' });
    await seen;
  });
  a.close();
  v.close();
  team.close();
  // Idle objects leave memory after some seconds: the first workspace and conversation again,
  // now new instances in the same isolate (as after hibernation, without a restart).
  await new Promise((r) => setTimeout(r, 30_000));
  await wakeBoth(c, 'woken again, same server');
} finally {
  await server.stop();
  rmSync(state, { recursive: true, force: true });
}
process.exit(0);
