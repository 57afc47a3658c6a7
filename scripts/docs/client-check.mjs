// `npm test`: a client generated from docs/openapi.json by a standard generator builds.
// openapi-typescript writes the types; tests/openapi-client/client.ts uses them; tsc --strict checks it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { root, bin } from '../lib/paths.mjs';

const run = (cmd, args) => execFileSync(join(bin, cmd), args, { cwd: root, stdio: 'inherit' });
run('openapi-typescript', ['docs/openapi.json', '-o', 'target/openapi/parlor.d.ts']);
run('tsc', ['--noEmit', '--strict', '--target', 'es2022', '--module', 'es2022', '--moduleResolution', 'bundler',
  '--lib', 'es2022,dom', 'tests/openapi-client/client.ts']);
console.log('a client generated from docs/openapi.json type-checks');
