// Builds everything the edge serves: the Worker (scripts/build-worker.mjs), the widget and inbox wasm
// bundles (wasm-bindgen + wasm-opt), the loader (esbuild), and the static pages, into dist/.
// Prints a size report and fails when a size budget is exceeded.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, renameSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { root, bin, cargoBin } from './lib/paths.mjs';
import { shortenNames } from './lib/short-names.mjs';
import { hashName, rewrite } from './lib/hashed-assets.mjs';
import { fingerprint, upToDate, record } from './lib/build-stamp.mjs';

const release = !process.argv.includes('--dev');
const quiet = process.argv.includes('--quiet');
// `--quick` (npm start): the Worker is not run through wasm-opt, a minute less on 2 cores for a
// local server that does not need it (4.3 MB instead of 3.7 MB of wasm). Deploys and npm test
// build without it.
const quick = process.argv.includes('--quick');
const env = {
  ...process.env,
  PATH: `${cargoBin}:${bin}:${process.env.PATH}`,
  WRANGLER_SEND_METRICS: 'false',
};

function run(cmd, args, opts = {}) {
  execFileSync(cmd, args, { stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit', env, cwd: root, ...opts });
}

// The same, in the background: resolves when the command succeeded.
function runInBackground(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit', env, cwd: root, ...opts });
  const done = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${cmd} failed (${signal ?? `exit ${code}`})`))));
  });
  return { child, done };
}

// Build into a fresh directory and swap it in at the end, so a running server never serves a
// half-built tree and two builds at once do not trample each other.
// `--if-changed` (wrangler's own `[build]` step): nothing to do when no input changed since the
// last successful build of the same kind.
const kind = release ? 'release' : 'dev';
const print = fingerprint(root, quick ? `${kind} quick` : kind);
// A quick build is as good as a full one to a local server: npm start's wrangler (its `[build]`
// step) says so with PARLOR_ACCEPT_QUICK_BUILD, so it does not build the Worker again.
const acceptable = [print, ...(quick || process.env.PARLOR_ACCEPT_QUICK_BUILD ? [fingerprint(root, kind), fingerprint(root, `${kind} quick`)] : [])];
if (process.argv.includes('--if-changed') && acceptable.some((p) => upToDate(root, p))) {
  console.log('build: up to date');
  process.exit(0);
}

const finalDist = join(root, 'dist');
const dist = mkdtempSync(join(root, '.dist-'));

// 1. The edge function, in the background: its target directory is not the browser bundles' (see
// below), and the single-threaded ends of each build (LTO, wasm-opt) then use both cores of a
// 2-core machine instead of one.
const edge = runInBackground(process.execPath, [join(root, 'scripts/build-worker.mjs'), ...(quiet ? ['--quiet'] : []), ...(quick ? ['--quick'] : [])]);
process.on('exit', () => edge.child.exitCode === null && edge.child.kill());

// 2. Browser bundles.
// The browser bundles are built with their own std: panics abort at once, so no panic message
// formatting or unwinding code reaches the page (about 4 KB gzipped for the widget). It needs the `rust-src`
// component (scripts/setup.sh) and, on a stable toolchain, RUSTC_BOOTSTRAP for `-Z build-std`;
// its own target directory keeps these flags from invalidating the other builds' caches.
function cargoBuild(crate, features) {
  const only = features ? ['--no-default-features', '--features', features] : [];
  const targetDir = join(root, 'target/min');
  run('cargo', ['build', '--quiet', '-p', crate, '--target', 'wasm32-unknown-unknown', '--release',
    '-Z', 'build-std=std,panic_abort', '--target-dir', targetDir, ...only], {
    // No file/line in the binary for the (aborting) panics, and `Debug` impls that print nothing:
    // nothing on the page reads either.
    env: { ...env, RUSTC_BOOTSTRAP: '1', RUSTFLAGS: '-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none' },
  });
  return join(targetDir, 'wasm32-unknown-unknown/release', `${crate.replaceAll('-', '_')}.wasm`);
}

// The steps for bytes (each measured in docs/performance.md): the own std above, wasm-opt told
// that memory starts zeroed and its first 1 KB is unused (true of Rust's layout), and short
// import/export names. `reloop`: a second wasm-opt round on flattened, re-looped control flow
// (smaller for the widget, larger for the inbox and admin bundles).
function wasmBundle(crate, outDir, outName, { reloop = false, features = null } = {}) {
  const wasm = cargoBuild(crate, features);
  const out = join(dist, outDir);
  run('wasm-bindgen', ['--target', 'web', '--no-typescript', '--out-dir', out, '--out-name', outName, wasm]);
  const bg = join(out, `${outName}_bg.wasm`);
  const glue = join(out, `${outName}.js`);
  const reloopFlags = reloop ? ['--flatten', '--rereloop', '-Oz', '--converge'] : [];
  run(join(bin, 'wasm-opt'), ['-Oz', '--converge', '--zero-filled-memory', '--low-memory-unused', ...reloopFlags, '--strip-debug', '--strip-producers', '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals', '-o', bg, bg]);
  shortenNames(join(bin, 'wasm-opt'), bg, glue, env);
  run(join(bin, 'esbuild'), [glue, '--minify', '--format=esm', '--log-level=warning', `--outfile=${glue}`, '--allow-overwrite']);
}
wasmBundle('parlor-widget', 'w', 'widget', { reloop: true });
// One crate, two bundles: agents never download the admin's views (dialogue editor, reports).
wasmBundle('parlor-inbox', 'i', 'inbox', { features: 'agent' });
wasmBundle('parlor-inbox', 'a', 'admin', { features: 'admin' });
// The dialogue designer's live preview: core's conversation machine for /preview.html (only
// admins load it; no budget, its size is printed). Built like the bundles above, in their target
// directory: it shares their std and dependencies instead of compiling its own, and does not wait
// for the Worker's compile.
wasmBundle('parlor-preview', 'p', 'preview');
await edge.done;

// 3. The loader and the static pages.
cpSync(join(root, 'www'), dist, { recursive: true });
// The admin's French words, fetched by admin-boot.js when the admin reads French (inbox/src/i18n.rs).
cpSync(join(root, 'inbox/i18n/admin.fr.txt'), join(dist, 'a', 'admin.fr.txt'));
// Content-hashed names, cached for a year; the loader and the boot scripts name them.
const assets = {
  widget_js: hashName(dist, 'w', 'widget.js'),
  widget_wasm: hashName(dist, 'w', 'widget_bg.wasm'),
  inbox_js: hashName(dist, 'i', 'inbox.js'),
  inbox_wasm: hashName(dist, 'i', 'inbox_bg.wasm'),
  admin_js: hashName(dist, 'a', 'admin.js'),
  admin_wasm: hashName(dist, 'a', 'admin_bg.wasm'),
  admin_fr: hashName(dist, 'a', 'admin.fr.txt'),
  preview_js: hashName(dist, 'p', 'preview.js'),
  preview_wasm: hashName(dist, 'p', 'preview_bg.wasm'),
};
rewrite(join(dist, 'inbox-boot.js'), { '/i/inbox.js': assets.inbox_js, '/i/inbox_bg.wasm': assets.inbox_wasm });
rewrite(join(dist, 'admin-boot.js'), { '/a/admin.js': assets.admin_js, '/a/admin_bg.wasm': assets.admin_wasm, '/a/admin.fr.txt': assets.admin_fr });
rewrite(join(dist, 'preview/shim.js'), { '/p/preview.js': assets.preview_js, '/p/preview_bg.wasm': assets.preview_wasm });
run(join(bin, 'esbuild'), [join(root, 'widget/loader.js'), '--minify', '--log-level=warning',
  `--define:WIDGET_JS="${assets.widget_js}"`, `--define:WIDGET_WASM="${assets.widget_wasm}"`, `--outfile=${join(dist, 'widget.js')}`]);

// 4. Size report and budgets (bytes, gzip -9).
const gz = (p) => (existsSync(p) ? gzipSync(readFileSync(p), { level: 9 }).length : 0);
const sizes = {
  loader: gz(join(dist, 'widget.js')),
  widget_wasm: gz(join(dist, assets.widget_wasm)),
  widget_js: gz(join(dist, assets.widget_js)),
  inbox_wasm: gz(join(dist, assets.inbox_wasm)),
  inbox_js: gz(join(dist, assets.inbox_js)),
  admin_wasm: gz(join(dist, assets.admin_wasm)),
  admin_js: gz(join(dist, assets.admin_js)),
  preview_wasm: gz(join(dist, assets.preview_wasm)),
  preview_js: gz(join(dist, assets.preview_js)),
};
sizes.widget_total = sizes.loader + sizes.widget_wasm + sizes.widget_js;
sizes.inbox_total = sizes.inbox_wasm + sizes.inbox_js;
sizes.admin_total = sizes.admin_wasm + sizes.admin_js;
sizes.preview_total = sizes.preview_wasm + sizes.preview_js;
// The widget's budget: a visitor's whole download, loader + wasm + glue; the loader's own (every
// page view fetches it) is 2,200 B since it answers a click whose widget cannot load (moving the
// title's blink into the wasm instead cost 1.3 KB more in all: docs/performance.md). The inbox's is its size
// rounded up, well under its 120 KB target, so it does not grow unnoticed; the admin's is its
// 160 KB target itself since the dialogue designer (the drawing, inspector, rule tests) came in (docs/performance.md: how they got there, and what to keep doing).
const budgets = { loader: 2200, widget_total: 40 * 1024, inbox_total: 84 * 1024, admin_total: 160 * 1024 };
writeFileSync(join(root, 'target/sizes.json'), JSON.stringify({ sizes, budgets, assets }, null, 2));
console.log('size (gzip -9 bytes): ' + Object.entries(sizes).map(([k, v]) => `${k}=${v}`).join(' '));
const over = Object.entries(budgets).filter(([k, max]) => sizes[k] > max);
rmSync(finalDist, { recursive: true, force: true });
renameSync(dist, finalDist);
if (over.length) {
  console.error('size budget exceeded: ' + over.map(([k, max]) => `${k} ${sizes[k]} > ${max}`).join(', '));
  process.exit(1);
}
record(root, print);
