// `npm test`: every check, in order of cost. Prints one closing line: "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, bin, cargoBin } from './lib/paths.mjs';
import { startServer, devVars, snapshotBuild } from './lib/server.mjs';
import { seedWorkspace } from './lib/demo.mjs';

const env = {
  ...process.env,
  PATH: `${cargoBin}:${bin}:${process.env.PATH}`,
  CHROMEDRIVER: '/usr/bin/chromedriver',
  WASM_BINDGEN_TEST_TIMEOUT: '120',
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER: 'wasm-bindgen-test-runner',
  WRANGLER_SEND_METRICS: 'false',
};
let passed = 0;
let failed = 0;
const failures = [];
const timings = [];
const started = Date.now();

function step(name, cmd, args, { count } = {}) {
  console.log(`\n▶ ${name}`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  const out = (r.stdout ?? '') + (r.stderr ?? '');
  process.stdout.write(out.length > 60_000 ? out.slice(-60_000) : out);
  const counted = count ? count(out) : { p: r.status === 0 ? 1 : 0, f: r.status === 0 ? 0 : 1 };
  if (r.status !== 0 && counted.f === 0) counted.f = 1;
  passed += counted.p;
  failed += counted.f;
  if (r.status !== 0) failures.push(name);
  // Where the suite's time goes, step by step (it must stay under 30 minutes on 2 cores).
  timings.push([name, Math.round((Date.now() - t0) / 1000)]);
  return r.status === 0;
}

function cargoCounts(out) {
  let p = 0, f = 0;
  for (const m of out.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    p += Number(m[1]);
    f += Number(m[2]);
  }
  return { p, f };
}

// `node scripts/test.mjs --e2e [files…]` runs only the end-to-end suite (after a build).
const args = process.argv.slice(2);
const e2eOnly = args[0] === '--e2e';
const only = e2eOnly ? args.slice(1) : [];
if (!e2eOnly) {
step('cargo fmt --check', 'cargo', ['fmt', '--all', '--', '--check']);
// Every script parses, the ones this suite never runs included (the bench, the profilers).
step('scripts parse (node --check)', 'bash', ['-c', 'for f in scripts/*.mjs scripts/*/*.mjs tests/e2e/*.mjs; do node --check "$f" || exit 1; done']);
// Native checks and tests with core's `schema` feature on (it only derives the API description's
// schemas): clippy lints the schema code with everything else, and the tests build the schema
// writer the API description check runs.
const schema = ['--features', 'parlor-core/schema'];
step('clippy (native, core with the API description\'s schemas)', 'cargo', ['clippy', '--quiet', '--workspace', '--all-targets', ...schema, '--', '-D', 'warnings']);
// For wasm32 too: core's check there also shows it builds with no I/O crate.
step('clippy (wasm32: core, edge, widget, inbox, preview)', 'cargo', ['clippy', '--quiet', '--target', 'wasm32-unknown-unknown', '-p', 'parlor-core', '-p', 'parlor-edge', '-p', 'parlor-widget', '-p', 'parlor-inbox', '-p', 'parlor-preview', '--', '-D', 'warnings']);
// The two-machine simulation runs 5,000 seeded schedules here (its default, 10,000, for a plain
// `cargo test`): half its time, to keep the suite under 30 minutes on 2 cores.
env.PARLOR_SIM_SEEDS ??= '5000';
step('unit, property and simulation tests', 'cargo', ['test', '--workspace', ...schema], { count: cargoCounts });
// The schema writer is an example of core: `cargo test` built it above.
env.PARLOR_SCHEMAS_BIN = join(root, 'target/debug/examples/openapi_schemas');
step('docs/openapi.json is what scripts/docs/openapi.py generates', 'python3', ['scripts/docs/openapi.py', '--check']);
step('a client generated from docs/openapi.json builds (openapi-typescript, tsc --strict)', 'node', ['scripts/docs/client-check.mjs']);
// libFuzzer on the protocol decoder and dialogue validation, 10 s each (scripts/fuzz.sh).
step('fuzz (short)', 'env', ['FUZZ_SECONDS=10', 'bash', 'scripts/fuzz.sh']);
step('browser tests (wasm-bindgen-test, headless Chromium)', 'cargo', ['test', '-p', 'parlor-widget', '--target', 'wasm32-unknown-unknown'], { count: cargoCounts });
step('inbox browser tests (its JSON decoder against core\'s serde)', 'cargo', ['test', '-p', 'parlor-inbox', '--target', 'wasm32-unknown-unknown', '--test', 'web'], { count: cargoCounts });
}
const built = step('build (edge, widget, inbox, size budgets)', 'node', ['scripts/build.mjs', '--quiet']);
if (built && !e2eOnly) step('deploy configuration (wrangler deploy --dry-run, upload size)', 'node', ['scripts/deploy-check.mjs']);

if (built) {
  const state = mkdtempSync(join(tmpdir(), 'parlor-e2e-'));
  let server;
  try {
    console.log('\n▶ starting wrangler dev for the end-to-end suite');
    // Servers of this suite (including restart tests) run from a snapshot of this build.
    env.PARLOR_SERVER_CWD = snapshotBuild(join(state, 'snapshot'));
    process.env.PARLOR_SERVER_CWD = env.PARLOR_SERVER_CWD;
    server = await startServer({ persistTo: join(state, 'persist'), logTo: join(state, 'server.log') });
    env.PARLOR_URL = server.url;
    env.PARLOR_ADMIN_TOKEN = devVars().ADMIN_TOKEN;
    env.PARLOR_DEMO_KEY = await seedWorkspace(server.url, env.PARLOR_ADMIN_TOKEN);
    const files = readdirSync(join(root, 'tests/e2e')).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => join('tests/e2e', f))
      .filter((f) => !only.length || only.some((o) => f.includes(o)));
    const tap = join(state, 'e2e.tap');
    step('end-to-end (real Chromium, real wrangler dev)', 'node', [
      // A test that hangs fails after 5 minutes instead of holding the suite (the longest takes ~30 s).
      // Two files at a time (each its own workspaces; restart tests their own servers): on 2
      // cores the suite takes about half the time. PARLOR_E2E_JOBS=1 runs them one by one.
      '--test', `--test-concurrency=${process.env.PARLOR_E2E_JOBS ?? 2}`, '--test-timeout=300000',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=tap', `--test-reporter-destination=${tap}`,
      ...files,
    ], {
      count: () => {
        const t = readFileSync(tap, 'utf8');
        return { p: Number(t.match(/^# pass (\d+)/m)?.[1] ?? 0), f: Number(t.match(/^# fail (\d+)/m)?.[1] ?? 1) };
      },
    });
    // A server that died or stopped answering mid-suite fails every later file the same way:
    // say so, with its own last words.
    // What the Worker logged as errors during the suite (some tests provoke them on purpose;
    // anything else is worth a look), once each.
    const errors = [...new Set(readFileSync(join(state, 'server.log'), 'utf8').split('\n')
      .map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').trim()).filter((l) => /\[ERROR\]|internal error/.test(l)))];
    if (errors.length) console.log(`\nerrors the shared server logged (${errors.length} distinct):\n${errors.slice(0, 30).join('\n')}`);
    // Three tries: this process was blocked during the suite, so the first request may go out
    // on a pooled connection the server closed long ago.
    let alive = false;
    let why = '';
    for (let i = 0; i < 3 && !alive; i++) {
      alive = await fetch(`${server.url}/api/health`).then((r) => r.ok || ((why = `status ${r.status}`), false))
        .catch((e) => ((why = `${e.message} ${e.cause?.code ?? e.cause?.message ?? ''}`), false));
      if (!alive) await new Promise((r) => setTimeout(r, 500));
    }
    if (!alive || server.exited()) {
      console.log(`\nthe shared wrangler dev is gone (answers: ${alive}, ${why}, exit: ${JSON.stringify(server.exitStatus())}); its last output:\n${server.output().slice(-6000)}`);
    }
  } catch (e) {
    console.error(e.message);
    failed += 1;
    failures.push('end-to-end server');
  } finally {
    await server?.stop();
    rmSync(state, { recursive: true, force: true });
  }
}

console.log(`\nseconds per step:\n${timings.map(([n, t]) => `${String(t).padStart(6)}  ${n}`).join('\n')}\n${String(Math.round((Date.now() - started) / 1000)).padStart(6)}  in all`);
if (failures.length) console.log(`\nfailed steps: ${failures.join(', ')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
