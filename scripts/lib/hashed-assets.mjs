// Content-hashed names for the wasm bundles and their glue, so they can be cached for a year
// (`immutable`) and a new deploy can never pair an old glue file with a new wasm. What names
// them — the widget's loader and the inbox/admin boot scripts — is short-cached (see www/_headers).
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { extname, basename, join } from 'node:path';

/** Renames `dist/<dir>/<name>` to `<stem>.<hash><ext>`; returns its public path `/<dir>/…`. */
export function hashName(dist, dir, name) {
  const path = join(dist, dir, name);
  const hash = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 12);
  const ext = extname(name);
  const hashed = `${basename(name, ext)}.${hash}${ext}`;
  renameSync(path, join(dist, dir, hashed));
  return `/${dir}/${hashed}`;
}

/** Replaces each `from` with its `to` in a file, failing if one is missing (a stale script). */
export function rewrite(path, replacements) {
  let text = readFileSync(path, 'utf8');
  for (const [from, to] of Object.entries(replacements)) {
    if (!text.includes(from)) throw new Error(`${path} does not name ${from}`);
    text = text.replaceAll(from, to);
  }
  writeFileSync(path, text);
}
