// Live JS heap of the dev server while the chat load runs: every few seconds a full collection
// (devtools protocol, through the dev server's inspector) and the heap's used size after it,
// for Parlor's conversations and then for the durable echo's socket pairs, each on a fresh
// server. The largest of these is what a major collection has to mark at that load.
// Usage (after `node scripts/build.mjs`): node scripts/probe-heap.mjs [conversations]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { echoChat, parlorChat } from './bench/chat.mjs';
import { seedWorkspace } from './lib/demo.mjs';
import { connectInspector } from './lib/inspector.mjs';
import { devVars, freePort, snapshotBuild, startServer } from './lib/server.mjs';

const n = Number(process.argv[2] ?? 1000);

async function measure(label, run) {
  const port = await freePort();
  process.env.PARLOR_INSPECTOR_PORT = String(port);
  const state = mkdtempSync(join(tmpdir(), 'parlor-heap-'));
  const server = await startServer({ persistTo: join(state, 'persist'), cwd: snapshotBuild(join(state, 'snapshot')), vars: { BENCH_ECHO: '1' }, inspector: false });
  try {
    const { cdp, close } = await connectInspector(port);
    await cdp('HeapProfiler.enable');
    const samples = [];
    let stop = false;
    const sampler = (async () => {
      while (!stop) {
        await new Promise((r) => setTimeout(r, 4000));
        await cdp('HeapProfiler.collectGarbage');
        const { result } = await cdp('Runtime.getHeapUsage');
        samples.push(result.usedSize);
      }
    })();
    await run(server);
    stop = true;
    await sampler;
    close();
    const max = Math.max(...samples);
    console.log(`${label}: live heap after a full collection, largest of ${samples.length} samples: ${(max / 1048576).toFixed(1)} MB (${(max / n / 1024).toFixed(1)} KB per conversation); all: ${samples.map((s) => (s / 1048576).toFixed(1)).join(' ')}`);
  } finally {
    await server.stop();
    rmSync(state, { recursive: true, force: true });
  }
}

const opts = { tag: 'heap', intervalMs: 5000, durationMs: 20_000 };
await measure('parlor', async (server) => {
  await seedWorkspace(server.url, devVars().ADMIN_TOKEN);
  await parlorChat(server.url, devVars().ADMIN_TOKEN, { ...opts, n, capacity: 10, setupBudgetMs: 300_000, rootPid: server.pid });
});
await measure('durable echo', (server) => echoChat(server.url, { ...opts, kind: 'durable-echo', m: n, rootPid: server.pid }));
process.exit(0);
