// Gives a wasm-bindgen bundle's imports and exports one- or two-letter names, in the wasm and in
// its JS glue alike. wasm-bindgen names every import `__wbg_<method>_<16 hex digits>` and the
// closure shims after their full Rust paths: ~120 such names, each spelled in both files, cost
// ~4.5 KB gzipped in the widget (the hex does not compress). Binaryen renames them in the wasm
// and prints the mapping; this applies the same mapping to the glue, before it is minified.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const FEATURES = ['--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext',
  '--enable-mutable-globals', '--enable-reference-types', '--enable-multivalue'];

/** Renames in `wasmPath` and `jsPath` (wasm-bindgen `--target web` output) in place. */
export function shortenNames(wasmOpt, wasmPath, jsPath, env) {
  const out = execFileSync(wasmOpt, [wasmPath, '--minify-imports-and-exports-and-modules', ...FEATURES, '-o', wasmPath],
    { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const map = JSON.parse(out.slice(out.indexOf('{')));
  let js = readFileSync(jsPath, 'utf8');
  const modules = new Set(map.imports.map(([module]) => module));
  if (modules.size !== 1) throw new Error(`short-names: expected one import module, got ${[...modules]}`);
  const [module] = modules;
  const moduleKey = `${JSON.stringify(module)}:`;
  if (!js.includes(moduleKey)) throw new Error(`short-names: ${moduleKey} not in the glue`);
  const [shortModule] = importModules(readFileSync(wasmPath));
  js = js.replace(moduleKey, `${JSON.stringify(shortModule)}:`);
  for (const [, name, short] of map.imports) js = swap(js, new RegExp(`\\b${name}\\b`, 'g'), short, name);
  for (const [name, short] of map.exports) {
    js = js.replace(new RegExp(`\\bwasm\\.${name}\\b`, 'g'), `wasm.${short}`);
  }
  writeFileSync(jsPath, js);
}

// Every import name must be found in the glue exactly where wasm-bindgen defined it.
function swap(js, re, short, name) {
  if (!re.test(js)) throw new Error(`short-names: import ${name} not in the glue`);
  re.lastIndex = 0;
  return js.replace(re, short);
}

// The module names of a wasm binary's imports (section 2), in order, deduplicated.
function importModules(wasm) {
  let p = 8;
  const uleb = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = wasm[p++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
  };
  const name = () => {
    const n = uleb();
    p += n;
    return wasm.toString('utf8', p - n, p);
  };
  while (p < wasm.length) {
    const id = wasm[p++];
    const size = uleb();
    if (id !== 2) {
      p += size;
      continue;
    }
    const modules = new Set();
    for (let i = uleb(); i > 0; i--) {
      modules.add(name());
      name();
      const kind = wasm[p++];
      if (kind === 0) uleb(); // function: type index
      else if (kind === 1) { p++; limits(); } // table: reftype + limits
      else if (kind === 2) limits(); // memory
      else if (kind === 3) p += 2; // global: valtype + mutability
      else throw new Error(`short-names: import kind ${kind}`);
    }
    return [...modules];
  }
  return [];
  function limits() {
    const flags = wasm[p++];
    uleb();
    if (flags & 1) uleb();
  }
}
