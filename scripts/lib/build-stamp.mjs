// A fingerprint of everything the build reads (paths, sizes and modification times), so the
// build wrangler runs itself (`[build]` in wrangler.toml) is a no-op when nothing changed.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const INPUTS = ['Cargo.toml', 'Cargo.lock', 'core', 'widget', 'inbox', 'preview', 'edge/Cargo.toml', 'edge/src', 'edge/entry.mjs', 'www', 'docs/openapi.json', 'scripts/build.mjs', 'scripts/build-worker.mjs', 'scripts/lib'];
const SKIP = new Set(['target', 'node_modules', 'build', 'tests', 'fuzz']);

function walk(root, path, out) {
  const full = join(root, path);
  if (!existsSync(full)) return;
  const st = statSync(full);
  if (st.isDirectory()) {
    for (const name of readdirSync(full).sort()) {
      if (!SKIP.has(name)) walk(root, join(path, name), out);
    }
  } else {
    out.push(`${relative(root, full)} ${st.size} ${st.mtimeMs}`);
  }
}

export function fingerprint(root, extra = '') {
  const lines = [extra];
  for (const p of INPUTS) walk(root, p, lines);
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

const stampPath = (root) => join(root, 'target/build-stamp');

/** True when the last successful build had this fingerprint and its outputs are there. */
export function upToDate(root, print) {
  if (!existsSync(join(root, 'dist/widget.js')) || !existsSync(join(root, 'edge/build/worker/shim.mjs'))) return false;
  try {
    return readFileSync(stampPath(root), 'utf8') === print;
  } catch {
    return false;
  }
}

export function record(root, print) {
  writeFileSync(stampPath(root), print);
}
