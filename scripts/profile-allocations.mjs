// Where the Worker's JS garbage comes from during the chat load: V8's sampling heap profiler
// (devtools protocol, through the local dev server's inspector) over the measured part of a
// chat load against the current build. Prints the sampled bytes per JS call site (the glue
// function a Rust call went through, e.g. `send`, `exec`, `toArray`), largest first, and
// writes the whole profile to target/allocations.json (open it in Chrome's devtools, Memory).
// Usage (after `node scripts/build.mjs`): node scripts/profile-allocations.mjs [conversations]
// With ALLOC_LIVE=1 only what the window allocated and is still alive at its end is counted
// (what a message leaves behind, if anything grows).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parlorChat } from './bench/chat.mjs';
import { seedWorkspace } from './lib/demo.mjs';
import { glueNamer } from './lib/glue-names.mjs';
import { connectInspector } from './lib/inspector.mjs';
import { root } from './lib/paths.mjs';
import { devVars, freePort, loadUrl, snapshotBuild, startServer } from './lib/server.mjs';

const n = Number(process.argv[2] ?? 100);
const live = process.env.ALLOC_LIVE === '1';
const port = await freePort();
// scripts/lib/dev-server.mjs opens the inspector only when asked.
process.env.PARLOR_INSPECTOR_PORT = String(port);
const state = mkdtempSync(join(tmpdir(), 'parlor-alloc-'));
const server = await startServer({ persistTo: join(state, 'persist'), cwd: snapshotBuild(join(state, 'snapshot')), vars: { BENCH_ECHO: '1' }, inspector: false });
// As the bench: the load goes straight to the Worker's runtime, past the dev server's proxy.
const base = loadUrl(server);
try {
  const operator = devVars().ADMIN_TOKEN;
  await seedWorkspace(base, operator);
  const { cdp, close } = await connectInspector(port);
  await cdp('HeapProfiler.enable');
  // Only the measured window is sampled, not the setup (routing n chats) or the warm-up.
  let profile;
  const onWindow = async (edge) => {
    if (edge === 'start') {
      await cdp('HeapProfiler.startSampling', {
        samplingInterval: 4096, includeObjectsCollectedByMajorGC: !live, includeObjectsCollectedByMinorGC: !live,
      });
    } else ({ result: { profile } } = await cdp('HeapProfiler.stopSampling'));
  };
  const result = await parlorChat(base, operator, { n, tag: 'alloc', intervalMs: 5000, durationMs: 20_000, capacity: 10, setupBudgetMs: 120_000, rootPid: server.pid, onWindow });
  mkdirSync(join(root, 'target'), { recursive: true });
  writeFileSync(join(root, 'target/allocations.json'), JSON.stringify(profile));

  // Bytes per call site: the innermost import of the wasm glue on the stack, else the
  // frame's own name (the runtime's work shows as "(V8 API)").
  const glueName = glueNamer(join(state, 'snapshot'));
  const bySite = new Map();
  let total = 0;
  const walk = (node, site) => {
    const f = node.callFrame;
    const here = glueName(f) ?? site;
    total += node.selfSize;
    const label = here ?? (f.functionName || '(anonymous)');
    if (node.selfSize) bySite.set(label, (bySite.get(label) ?? 0) + node.selfSize);
    for (const c of node.children ?? []) walk(c, here);
  };
  walk(profile.head, null);
  console.log(`\n${n} conversations: p99 ${result.latency.p99?.toFixed(1)} ms, ${result.sent} messages; sampled ${(total / 1024).toFixed(0)} KB ${live ? 'allocated and still alive at the end of' : 'allocated over'} the window (${(total / Math.max(1, result.sent)).toFixed(0)} B per message)`);
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`${(bytes / 1024).toFixed(0).padStart(8)} KB  ${(100 * bytes / total).toFixed(1).padStart(5)} %  ${site}`);
  }
  close();
} finally {
  await server.stop();
  rmSync(state, { recursive: true, force: true });
}
process.exit(0);
