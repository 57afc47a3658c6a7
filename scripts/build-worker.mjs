// Builds the Worker into edge/build/: cargo (the edge crate for wasm32), wasm-bindgen's ES module
// glue, wasm-opt (not with --quick), and the entry module edge/entry.mjs beside them; wrangler
// bundles that entry (wrangler.toml `main`). `scripts/build.mjs` runs this in the background.
//
// Three tools a fresh machine already has for the browser bundles (cargo, wasm-bindgen-cli,
// binaryen from npm): nothing else to compile before a first `npm start`.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, bin } from './lib/paths.mjs';

const quiet = process.argv.includes('--quiet');
const quick = process.argv.includes('--quick');
const out = join(root, 'edge/build');
const staging = join(root, `edge/build.tmp-${process.pid}`);

function run(cmd, args, env = process.env) {
  execFileSync(cmd, args, { stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit', env, cwd: root });
}

// The worker crate's wasm-bindgen macros read this: futures through js-sys.
run('cargo', ['build', '--quiet', '-p', 'parlor-edge', '--lib', '--target', 'wasm32-unknown-unknown', '--release'],
  { ...process.env, WASM_BINDGEN_USE_JS_SYS: '1' });

rmSync(staging, { recursive: true, force: true });
mkdirSync(join(staging, 'worker'), { recursive: true });
try {
  // `module`: the glue imports the wasm as a module and instantiates it itself. The reset
  // function and the abort handler let edge/entry.mjs start a fresh instance after a trap.
  run('wasm-bindgen', ['--target', 'module', '--no-typescript', '--out-name', 'index', '--out-dir', staging,
    '--experimental-reset-state-function', '--force-enable-abort-handler',
    join(root, 'target/wasm32-unknown-unknown/release/parlor_edge.wasm')]);
  if (!quick) {
    const wasm = join(staging, 'index_bg.wasm');
    // The features workerd runs; the name section kept for readable stack traces.
    const features = ['mutable-globals', 'sign-ext', 'nontrapping-float-to-int', 'bulk-memory', 'multivalue',
      'reference-types', 'exception-handling'].map((f) => `--enable-${f}`);
    run(join(bin, 'wasm-opt'), ['-O', ...features, '--debuginfo', '-o', wasm, wasm]);
  }
  // wrangler's bundler imports a `.wasm` file as a compiled module; it does not read the
  // source-phase form `import source x from "…wasm"` that wasm-bindgen writes.
  const glue = join(staging, 'index.js');
  const text = readFileSync(glue, 'utf8');
  if (!text.includes('import source wasmModule from')) throw new Error('wasm-bindgen glue: unexpected wasm import');
  writeFileSync(glue, text.replace('import source wasmModule from', 'import wasmModule from'));
  cpSync(join(root, 'edge/entry.mjs'), join(staging, 'worker/shim.mjs'));
  // Swap it in whole, so a running server never reads a half-written build.
  rmSync(out, { recursive: true, force: true });
  renameSync(staging, out);
} finally {
  rmSync(staging, { recursive: true, force: true });
}
