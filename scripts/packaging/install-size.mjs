// Measures what a user installs: `du -sh node_modules` of a fresh npm project with
// the packed packages, limits-only (Express) and with every optional peer.
//   npx --yes pnpm@10.34.8 build && node scripts/packaging/install-size.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installProject, packAll, root } from './project.mjs';

const packs = mkdtempSync(join(tmpdir(), 'ballast-packs-'));
const tarballs = packAll(packs);
const light = { '@ballast/core': tarballs['@ballast/core'], '@ballast/express': tarballs['@ballast/express'], express: '^5.1.0' };
// Every optional peer of @ballast/core, as its package.json lists them.
const peers = JSON.parse(readFileSync(join(root, 'packages/core/package.json'), 'utf8')).peerDependencies;
for (const [label, dependencies] of [['limits-only (core + express + express)', light], ['full (plus every optional peer)', { ...light, ...peers }]]) {
  const dir = installProject({ dependencies, tarballs, prefix: 'ballast-size-' });
  const size = execFileSync('du', ['-sh', 'node_modules'], { cwd: dir, encoding: 'utf8' }).split('\t')[0];
  const bytes = Number(execFileSync('du', ['-sk', 'node_modules'], { cwd: dir, encoding: 'utf8' }).split('\t')[0]) * 1024;
  console.log(`${label}: ${size} (${(bytes / 1e6).toFixed(1)} MB)`);
  rmSync(dir, { recursive: true, force: true });
}
rmSync(packs, { recursive: true, force: true });
