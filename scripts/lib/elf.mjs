// Where a function of a binary starts in its file: uprobes take file offsets, `nm` gives
// virtual addresses, and `readelf`'s program headers map one to the other. Used by the
// bench's probes on workerd (scripts/lib/gc-pauses.mjs, scripts/lib/platform-objects.mjs).
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './paths.mjs';

const run = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
const cache = new Map();

/** The binary's defined functions (demangled name → address) and loadable segments; null without nm/readelf. */
function read(binary) {
  if (cache.has(binary)) return cache.get(binary);
  let found = null;
  const nm = run('nm', ['-C', '--defined-only', binary]);
  const elf = run('readelf', ['-lW', binary]);
  if (nm.status === 0 && elf.status === 0) {
    const symbols = [];
    for (const line of nm.stdout.split('\n')) {
      const m = line.match(/^([0-9a-f]+) [Tt] (.+)$/);
      if (m) symbols.push([m[2], BigInt(`0x${m[1]}`)]);
    }
    const loads = [...elf.stdout.matchAll(/LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)/g)]
      .map(([, off, vaddr, memsz]) => ({ off: BigInt(off), vaddr: BigInt(vaddr), memsz: BigInt(memsz) }));
    found = { symbols, loads };
  }
  cache.set(binary, found);
  return found;
}

/**
 * The file offset of the first function whose demangled name passes `matches` (local
 * `::$` clones skipped), or null.
 */
export function fileOffset(binary, matches) {
  const elf = read(binary);
  if (!elf) return null;
  const hit = elf.symbols.find(([name]) => matches(name) && !name.includes('::$'));
  if (!hit) return null;
  const a = hit[1];
  const seg = elf.loads.find((s) => a >= s.vaddr && a < s.vaddr + s.memsz);
  return seg ? a - seg.vaddr + seg.off : null;
}

/** The local server's workerd binary (the file the probes attach to), or null. */
export function workerdBinary() {
  try {
    return realpathSync(join(root, 'node_modules/@cloudflare/workerd-linux-64/bin/workerd'));
  } catch {
    return null;
  }
}
