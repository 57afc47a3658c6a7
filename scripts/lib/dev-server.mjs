// Runs the Worker on wrangler's local dev server (Miniflare + workerd, as `wrangler dev` does)
// without the devtools inspector. `wrangler dev` always attaches its inspector proxy, which
// enables the Network domain: every subrequest (each call between our objects) is reported to
// the wrangler process and written to its debug log, a dev-only cost production does not have.
// It also prints the address of the Worker's own runtime: `wrangler dev` answers on a proxy, a
// second workerd process whose one Durable Object queues every request and forwards it over TCP
// (and pipes every WebSocket frame) to the runtime that runs the Worker — the dev server's way to
// hold requests while the Worker reloads. Clients that go there directly skip that hop, which
// production has not (scripts/lib/server.mjs `runtimeUrl`).
// Usage: node dev-server.mjs --port P --persist-to DIR [--var K:V]...
// PARLOR_INSPECTOR_PORT=N opens the inspector on that port (scripts/profile-allocations.mjs).
import { unstable_DevEnv } from 'wrangler';

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const vars = {};
args.forEach((a, i) => {
  if (a === '--var') { const [k, ...v] = args[i + 1].split(':'); vars[k] = { type: 'plain_text', value: v.join(':') }; }
});
const devEnv = new unstable_DevEnv();
// Said when the runtime is up, which may be after the proxy is ready.
devEnv.on('reloadComplete', (event) => {
  const u = event.proxyData?.userWorkerUrl;
  if (u) console.log(`Runtime on ${u.protocol}//${u.hostname}:${u.port}`);
});
const worker = await devEnv.startWorker({
  config: 'wrangler.toml',
  bindings: vars,
  dev: {
    server: { hostname: '127.0.0.1', port: Number(opt('--port')) },
    persist: opt('--persist-to'),
    inspector: process.env.PARLOR_INSPECTOR_PORT ? { port: Number(process.env.PARLOR_INSPECTOR_PORT) } : false,
    watch: false,
    liveReload: false,
    logLevel: 'info',
  },
});
await worker.ready;
console.log(`Ready on ${await worker.url}`);
const stop = async () => { await worker.dispose(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
