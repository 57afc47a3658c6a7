// Starts `wrangler dev` (workerd) on a free loopback port and waits until the API answers.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync, writeFileSync, cpSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { root, bin, withBin } from './paths.mjs';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves true once `port` can be bound on loopback again (false after `ms`). */
export async function waitPortFree(port, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const free = await new Promise((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free || Date.now() > deadline) return free;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function devVars() {
  const vars = {};
  for (const line of readFileSync(join(root, '.dev.vars'), 'utf8').split('\n')) {
    const m = line.match(/^([A-Z_]+)=(.*)$/);
    if (m) vars[m[1]] = m[2];
  }
  return vars;
}

/**
 * @param {{port?: number, persistTo: string, log?: (line: string) => void, vars?: Record<string, string>}} opts
 *   `vars` adds `--var K:V` arguments (e.g. `{ BENCH_ECHO: '1' }`); `cwd` runs wrangler from a
 *   copy of the built files (default: the repository), so other builds cannot reload it.
 * @returns {Promise<{url: string, runtimeUrl: string | null, port: number, stop: () => Promise<void>, kill: () => Promise<void>}>}
 */
export async function startServer(opts) {
  // A port given by the caller is usually one a killed server just held: its workerd (a
  // grandchild) may still be tearing down after wrangler itself exited, so wait for the port
  // and try again if workerd still finds it taken.
  for (let attempt = 1; ; attempt++) {
    if (opts.port) await waitPortFree(opts.port);
    try {
      return await startOnce(opts);
    } catch (e) {
      if (!opts.port || attempt >= 4 || !/Address already in use/.test(e.message)) throw e;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

async function startOnce({ port, persistTo, log = () => {}, vars = {}, inspector = true, cwd = process.env.PARLOR_SERVER_CWD ?? root, logTo = null }) {
  port ??= await freePort();
  const varArgs = Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]);
  // `inspector: false` runs the same local dev server (Miniflare + workerd) through wrangler's
  // API without the devtools inspector, whose per-subrequest reports cost more CPU than the
  // Worker itself under load (see scripts/lib/dev-server.mjs).
  const [command, args] = inspector
    ? [join(bin, 'wrangler'), ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', persistTo,
      '--show-interactive-dev-session=false', '--inspector-port', String(await freePort()), ...varArgs]]
    : ['node', [join(root, 'scripts/lib/dev-server.mjs'), '--port', String(port), '--persist-to', persistTo, ...varArgs]];
  const logFd = logTo ? openSync(logTo, 'a') : null;
  const child = spawn(
    command,
    args,
    {
      cwd,
      // X_LOCAL_OBSERVABILITY: wrangler 4.164's local dev server records a trace of every
      // request and socket message in an SQLite store of its own (one more fsync per message,
      // about 4× the workerd CPU per request in the bench); a development tool production has
      // not, off here unless asked for (docs/performance.md).
      env: { X_LOCAL_OBSERVABILITY: 'false', ...withBin(), WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CI: 'true' },
      // `logTo`: the server writes to a file instead of pipes, for a caller whose event loop
      // may be blocked for minutes (a full pipe would stall the server's own writes).
      stdio: logTo ? ['ignore', logFd, logFd] : ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  if (logFd !== null) closeSync(logFd);
  let output = '';
  const onData = (d) => {
    const s = d.toString();
    output += s;
    if (output.length > 200_000) output = output.slice(-100_000);
    for (const line of s.split('\n')) if (line.trim()) log(line);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const tail = () => {
    if (!logTo) return output;
    try { return readFileSync(logTo, 'utf8').slice(-100_000); } catch { return ''; }
  };
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${tail().slice(-4000)}`);
    try {
      const r = await fetch(`${url}/api/health`);
      if (r.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      process.kill(-child.pid, 'SIGKILL');
      throw new Error(`wrangler dev did not answer within 90 s:\n${tail().slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  // The Worker's own runtime, without the dev server's proxy (scripts/lib/dev-server.mjs prints
  // it a moment after the proxy answers); `wrangler dev` itself does not say it.
  let runtimeUrl = null;
  for (const until = Date.now() + 5_000; !inspector && Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    runtimeUrl = tail().match(/Runtime on (http:\/\/[\d.:]+)/)?.[1] ?? null;
    if (runtimeUrl) break;
  }
  const signal = async (sig) => {
    if (child.exitCode !== null) return;
    try { process.kill(-child.pid, sig); } catch {}
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) {
      try { process.kill(-child.pid, 'SIGKILL'); } catch {}
      await exited;
    }
    // Whatever of the group outlived wrangler (workerd) goes too; the port is free on return.
    try { process.kill(-child.pid, 'SIGKILL'); } catch {}
    await waitPortFree(port);
  };
  return {
    url,
    /** The Worker's runtime, without the dev proxy's hop (null from `wrangler dev` itself). */
    runtimeUrl,
    port,
    pid: child.pid,
    output: tail,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    exitStatus: () => ({ code: child.exitCode, signal: child.signalCode }),
    stop: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
  };
}

/** `BENCH_VIA`: `runtime` (the default) or `proxy`, for the bench, the profilers and its report. */
export const LOAD_VIA = process.env.BENCH_VIA ?? 'runtime';

/**
 * Where a benchmark or profiler sends its load: with `BENCH_VIA=runtime` (the default) straight
 * to the Worker's runtime, past the dev server's proxy (scripts/lib/dev-server.mjs); with
 * `BENCH_VIA=proxy`, or when the runtime's address is unknown, through the proxy.
 */
export function loadUrl(server, via = LOAD_VIA) {
  return via === 'runtime' && server.runtimeUrl ? server.runtimeUrl : server.url;
}

/**
 * Copies what `wrangler dev` serves (the built Worker, dist/, config, local secrets) into `dir`,
 * so a later build elsewhere cannot reload a server under test. Returns `dir`.
 */
export function snapshotBuild(dir) {
  for (const f of ['wrangler.toml', '.dev.vars', 'dist', 'edge/build']) {
    cpSync(join(root, f), join(dir, f), { recursive: true });
  }
  // A snapshot is a finished build: its wrangler must not try to build (there are no sources).
  const toml = join(dir, 'wrangler.toml');
  writeFileSync(toml, readFileSync(toml, 'utf8').replace(/^\[build\]\n(?:command = .*\n)?/m, ''));
  return dir;
}
