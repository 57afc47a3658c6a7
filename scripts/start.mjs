// `npm start`: builds, runs the whole system locally on workerd, seeds the demo workspace,
// and prints where to look. State persists in .wrangler/state between runs.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './lib/paths.mjs';
import { startServer, devVars } from './lib/server.mjs';
import { seedWorkspace, DEMO_AGENTS } from './lib/demo.mjs';

// Nothing to build when no input changed since the last build (a second start is quick);
// wrangler's own `[build]` step then takes the same build as it is.
execFileSync('node', [join(root, 'scripts/build.mjs'), '--quick', '--if-changed'], { stdio: 'inherit', cwd: root });
process.env.PARLOR_ACCEPT_QUICK_BUILD = '1';

const port = Number(process.env.PORT ?? 8787);
const persistTo = join(root, '.wrangler/state');
mkdirSync(persistTo, { recursive: true });
const server = await startServer({ port, persistTo, log: (l) => process.env.VERBOSE && console.log(l) });

const vars = devVars();
const keyFile = join(root, '.wrangler/demo-admin-key');
const key = await seedWorkspace(server.url, vars.ADMIN_TOKEN);
if (key) writeFileSync(keyFile, key);
const adminKey = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '(see .wrangler/demo-admin-key)';

console.log(`
Parlor is running on workerd at ${server.url}

  Demo marketer page (widget):  ${server.url}/
  Agent inbox:                  ${server.url}/inbox
  Admin views:                  ${server.url}/admin

  Demo workspace: demo
${DEMO_AGENTS.map((a) => `  Agent sign-in:  ${a.email} / ${a.password}${a.role === 'admin' ? '   (admin)' : ''}`).join('\n')}
  Workspace admin key: ${adminKey}
  Operator token: in .dev.vars (ADMIN_TOKEN)

Press Ctrl+C to stop.`);

const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
