// `npm test`: the deploy configuration is valid and the Worker fits the free plan's upload
// limit (3 MB gzipped), checked with `wrangler deploy --dry-run` (no network, no account).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, bin, withBin } from './lib/paths.mjs';

const LIMIT_KIB = 3 * 1024;
const out = mkdtempSync(join(tmpdir(), 'parlor-dry-run-'));
const r = spawnSync(join(bin, 'wrangler'), ['deploy', '--dry-run', '--outdir', out], {
  cwd: root,
  encoding: 'utf8',
  env: { ...withBin(), WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', CI: 'true' },
});
rmSync(out, { recursive: true, force: true });
const text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
const size = text.match(/Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/);
if (r.status !== 0 || !size) {
  console.error(`wrangler deploy --dry-run failed (exit ${r.status}):\n${text.slice(-4000)}`);
  process.exit(1);
}
const gzip = Number(size[2]);
console.log(`wrangler deploy --dry-run: upload ${size[1]} KiB, ${gzip} KiB gzipped (limit ${LIMIT_KIB} KiB)`);
if (gzip > LIMIT_KIB) {
  console.error(`the Worker is over the ${LIMIT_KIB} KiB gzipped upload limit`);
  process.exit(1);
}
