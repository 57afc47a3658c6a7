// Names for the wasm glue's functions in a devtools profile of the local server: they are
// anonymous, and their names are the keys on their lines of the bundled shim that wrangler
// wrote into the server's snapshot. Used by scripts/profile-allocations.mjs and profile-cpu.mjs.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * For the server whose snapshot is `snapshotDir`: `(callFrame) => name | null`, the import a
 * glue frame serves (a generic import named by what it calls: string copies, closures, …),
 * or null for a frame outside the glue or a line without a key.
 */
export function glueNamer(snapshotDir) {
  const tmp = join(snapshotDir, '.wrangler', 'tmp');
  const shim = existsSync(tmp) ? readdirSync(tmp).map((d) => join(tmp, d, 'shim.js')).find((f) => existsSync(f)) : null;
  const lines = shim ? readFileSync(shim, 'utf8').split('\n') : [];
  return (f) => {
    if (!f.url.endsWith('shim.js')) return null;
    const m = lines[f.lineNumber]?.match(/(__wbg_[A-Za-z]+|__wbindgen_[A-Za-z_]+?)(?:_[0-9a-f]{16})?\s*:/);
    if (!m) return null;
    const callee = m[1].startsWith('__wbindgen_generic') ? lines[f.lineNumber + 1]?.match(/ret = (\w+)\(/)?.[1] : null;
    return callee ?? m[1].replace(/^__wbg_/, '');
  };
}
