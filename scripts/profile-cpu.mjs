// Where the Worker's CPU goes during the chat load: V8's sampling CPU profiler (devtools
// protocol, through the local dev server's inspector) over the measured part of a chat load
// against the current build. Prints the self time per function — Rust functions by their
// names in the Worker's wasm, the glue's by the import they serve, the runtime's in brackets
// ("(garbage collector)", "(program)") — largest first, the share of wasm, glue and the rest,
// and writes the whole profile to target/cpu.cpuprofile (open it in Chrome's devtools).
// The profiler itself slows the server; compare shares, not milliseconds, with the bench.
// Usage (after `node scripts/build.mjs`): node scripts/profile-cpu.mjs [conversations] [parlor|durable-echo|echo]
// (a baseline runs as many socket pairs with the same schedule, for comparing the same lines);
// `node scripts/profile-cpu.mjs <rate> storm-warm|storm-cold` profiles one step of the routing
// storm at that rate (requests/s, 5 s) instead. It also splits the samples by object class (the
// workspace's and the conversations' shares of the one thread that runs them all).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { echoChat, parlorChat } from './bench/chat.mjs';
import { STORM_AGENTS, STORM_CAPACITY, routingStorm } from './bench/storm.mjs';
import { seedWorkspace } from './lib/demo.mjs';
import { glueNamer } from './lib/glue-names.mjs';
import { connectInspector } from './lib/inspector.mjs';
import { root } from './lib/paths.mjs';
import { devVars, freePort, loadUrl, snapshotBuild, startServer } from './lib/server.mjs';

const n = Number(process.argv[2] ?? 1000);
const kind = process.argv[3] ?? 'parlor';
const port = await freePort();
// scripts/lib/dev-server.mjs opens the inspector only when asked.
process.env.PARLOR_INSPECTOR_PORT = String(port);
const state = mkdtempSync(join(tmpdir(), 'parlor-cpu-'));
const server = await startServer({ persistTo: join(state, 'persist'), cwd: snapshotBuild(join(state, 'snapshot')), vars: { BENCH_ECHO: '1' }, inspector: false });
// As the bench: the load goes straight to the Worker's runtime, past the dev server's proxy.
const base = loadUrl(server);
try {
  const operator = devVars().ADMIN_TOKEN;
  await seedWorkspace(base, operator);
  const { cdp, close } = await connectInspector(port);
  await cdp('Profiler.enable');
  await cdp('Profiler.setSamplingInterval', { interval: 200 });
  // Only the measured window is profiled, not the setup (routing n chats) or the warm-up.
  let profile;
  const onWindow = async (edge) => {
    if (edge === 'start') await cdp('Profiler.start');
    else ({ result: { profile } } = await cdp('Profiler.stop'));
  };
  const schedule = { tag: 'cpu', intervalMs: 5000, durationMs: 20_000, rootPid: server.pid, onWindow };
  const storm = kind.startsWith('storm-') ? kind.slice('storm-'.length) : null;
  const result = storm
    ? stormResult(await routingStorm(base, operator, { mode: storm, rates: [n], stepMs: 5000, agents: STORM_AGENTS, capacity: STORM_CAPACITY, thresholdMs: 250, rootPid: server.pid, baseline: false, onWindow }))
    : kind === 'parlor'
      ? await parlorChat(base, operator, { ...schedule, n, capacity: 10, setupBudgetMs: 240_000 })
      : await echoChat(base, { ...schedule, kind, m: n });
  mkdirSync(join(root, 'target'), { recursive: true });
  writeFileSync(join(root, 'target/cpu.cpuprofile'), JSON.stringify(profile));

  const glueName = glueNamer(join(state, 'snapshot'));
  const nameOf = (f) => (f.url.endsWith('shim.js')
    ? `glue ${glueName(f) ?? (f.functionName || `line ${f.lineNumber}`)}`
    : f.functionName || '(anonymous)');
  const kindOf = (f) => (f.url.startsWith('wasm://') ? 'wasm' : f.url.endsWith('shim.js') ? 'glue' : f.url ? 'other JS' : 'runtime');
  const interval = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length);
  const self = new Map();
  const byKind = new Map();
  let busy = 0;
  for (const node of profile.nodes) {
    if (!node.hitCount || node.callFrame.functionName === '(idle)') continue;
    const us = node.hitCount * interval;
    busy += us;
    const name = nameOf(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + us);
    const kind = kindOf(node.callFrame);
    byKind.set(kind, (byKind.get(kind) ?? 0) + us);
  }
  const ms = (us) => (us / 1000).toFixed(0).padStart(7);
  const pc = (us) => `${((100 * us) / Math.max(1, busy)).toFixed(1).padStart(5)} %`;
  console.log(`\n${kind}, ${n} ${storm ? 'requests/s' : 'conversations'}: p99 ${result.latency.p99?.toFixed(1)} ms, ${result.sent} ${storm ? 'requests' : 'messages'}; ${(busy / 1000).toFixed(0)} ms busy in the profile (${(busy / Math.max(1, result.sent)).toFixed(0)} µs per ${storm ? 'request' : 'message'})`);
  console.log([...byKind].sort((a, b) => b[1] - a[1]).map(([k, us]) => `${k} ${pc(us).trim()}`).join(' · '));
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
    console.log(`${ms(us)} ms ${pc(us)}  ${name.slice(0, 160)}`);
  }
  const objects = byObject(profile, interval);
  // Shares of the samples an object's frames are on; the rest (the runtime's own event
  // handling, and idle time the profiler does not mark as idle) is shown apart.
  const unattributed = objects.get('unattributed') ?? 0;
  objects.delete('unattributed');
  const attributed = [...objects.values()].reduce((a, b) => a + b, 0);
  const share = (us) => `${((100 * us) / Math.max(1, attributed)).toFixed(0)} %`;
  console.log(`by object, of the samples on an object's frames (the runtime's work a handler asked for included): ${[...objects].sort((a, b) => b[1] - a[1]).map(([o, us]) => `${o} ${share(us)}`).join(' · ')}; samples on no object's frames: ${pc(unattributed).trim()} of the profile`);
  close();
} finally {
  await server.stop();
  rmSync(state, { recursive: true, force: true });
}
process.exit(0);

/**
 * Busy time per Durable Object class: each sample goes to the outermost frame on its stack
 * that belongs to one (a Rust function of `parlor_edge::workspace` or `::conversation`, or an
 * export of `WorkspaceDO`/`ConversationDO`), so the runtime's work a handler asked for (a
 * statement, a send) counts for that object; samples with no such frame (the runtime's own
 * event handling, the collector) are "unattributed". Calls between objects are tasks of their
 * own, never nested on one stack, so no sample belongs to two.
 */
function byObject(profile, interval) {
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const owner = (f) => {
    const name = f.functionName ?? '';
    if (/parlor_edge::workspace|workspacedo_/i.test(name)) return 'workspace';
    if (/parlor_edge::conversation|conversationdo_/i.test(name)) return 'conversation';
    if (/parlor_edge::(durable_echo|echo)|echodo_/i.test(name)) return 'echo';
    return null;
  };
  const totals = new Map();
  for (const node of profile.nodes) {
    if (!node.hitCount || node.callFrame.functionName === '(idle)') continue;
    let found = 'unattributed';
    for (let id = node.id; id != null; id = parent.get(id)) {
      const o = owner(byId.get(id).callFrame);
      if (o) found = o;
    }
    totals.set(found, (totals.get(found) ?? 0) + node.hitCount * interval);
  }
  return totals;
}

/** A storm step read as the chat load's result: its latency and its requests as "messages". */
function stormResult({ steps: [step] }) {
  return { latency: step.latency, sent: step.requests };
}
