#!/usr/bin/env bash
# API fuzzing: schemathesis against /api/openapi.json of a local `wrangler dev`, with the
# workspace admin key as bearer and every {ws} set to a freshly seeded workspace.
# Checks: no 5xx, documented status codes, content types and response schemas.
# Loopback only, bounded by ST_MAX_TIME (default 180 s) and ST_MAX_EXAMPLES per operation.
# Installs schemathesis into target/schemathesis-venv once; builds the edge if it was never built.
# `npm run test:api-fuzz`. Exit status: schemathesis's (0 = no failures).
set -euo pipefail
cd "$(dirname "$0")/.."
ST_VERSION=4.32.5
VENV=target/schemathesis-venv
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

if [ "$("$VENV/bin/st" --version 2>/dev/null | awk '{print $NF}')" != "$ST_VERSION" ]; then
  echo "schemathesis: installing schemathesis $ST_VERSION into $VENV (once)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$ST_VERSION"
fi
[ -f .dev.vars ] || bash scripts/setup.sh
if [ ! -f edge/build/worker/shim.mjs ] || [ -n "${ST_BUILD:-}" ]; then
  node scripts/build.mjs --quiet
fi

ST="$PWD/$VENV/bin/st" node --input-type=module - "$@" <<'JS'
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './scripts/lib/paths.mjs';
import { startServer, devVars } from './scripts/lib/server.mjs';
import { seedWorkspace } from './scripts/lib/demo.mjs';

const state = mkdtempSync(join(tmpdir(), 'parlor-st-'));
const port = Number(process.env.ST_PORT ?? 8791);
let server;
let status = 1;
try {
  server = await startServer({ port, persistTo: state });
  const ws = 'st';
  const key = await seedWorkspace(server.url, devVars().ADMIN_TOKEN, { id: ws });
  const config = join(state, 'schemathesis.toml');
  writeFileSync(config, `[parameters]\n"path.ws" = "${ws}"\n`);
  const reports = join(root, 'target', 'schemathesis-report');
  const r = spawnSync(process.env.ST, [
    '--config-file', config, 'run', `${server.url}/api/openapi.json`,
    '--checks', 'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance',
    '--header', `Authorization: Bearer ${key}`,
    '--max-time', process.env.ST_MAX_TIME ?? '180',
    '--max-examples', process.env.ST_MAX_EXAMPLES ?? '50',
    '--workers', '2', '--seed', process.env.ST_SEED ?? '1',
    // Rotating the admin key would leave every later request unauthenticated (only 401s
    // tested); the rotation has its own end-to-end test.
    '--exclude-path', '/api/workspaces/{ws}/admin-key',
    // An image body up to 1 MiB cannot be generated within hypothesis's filter budget.
    '--suppress-health-check', 'filter_too_much',
    '--request-timeout', '10', '--output-sanitize', 'true',
    '--report', 'junit', '--report-dir', reports,
    ...process.argv.slice(2),
  ], { cwd: join(root, 'target'), stdio: 'inherit', env: { ...process.env, NO_COLOR: '1' } });
  if (r.error) console.error(`schemathesis: ${r.error.message}`);
  status = r.status ?? 1;
} catch (e) {
  console.error(`schemathesis: ${e.message}`);
} finally {
  await server?.stop();
  rmSync(state, { recursive: true, force: true });
}
process.exit(status);
JS
