// A fresh npm project that installs Ballast's packed tarballs, as a user would.
// Used by test/packaging/readme.test.ts and by install-size.mjs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));
const PNPM = ['--yes', 'pnpm@10.34.8'];

/** The published packages (not private), by directory under packages/. */
export function publishedPackages() {
  return readdirSync(join(root, 'packages'))
    .filter((dir) => existsSync(join(root, 'packages', dir, 'package.json')))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) }))
    .filter((p) => p.manifest.private !== true);
}

/** `pnpm pack` of every published package (built first) into `dest`; returns name → tarball path. */
export function packAll(dest) {
  mkdirSync(dest, { recursive: true });
  const tarballs = {};
  for (const { dir, manifest } of publishedPackages()) {
    const output = execFileSync('npx', [...PNPM, 'pack', '--pack-destination', dest], { cwd: join(root, 'packages', dir), encoding: 'utf8' });
    const file = output.trim().split('\n').filter((l) => l.endsWith('.tgz')).pop();
    tarballs[manifest.name] = file.startsWith('/') ? file : join(dest, file);
  }
  return tarballs;
}

/**
 * Creates a project in a new temp directory with `dependencies` (name → version
 * or tarball path) and runs `npm install`. Every Ballast tarball is also pinned
 * in `overrides`, so `@ballast/express` gets the packed core, not the registry's.
 */
export function installProject({ dependencies, devDependencies = {}, tarballs, prefix = 'ballast-user-' }) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const asSpec = (v) => (v.endsWith('.tgz') ? `file:${v}` : v);
  const overrides = Object.fromEntries(Object.entries(tarballs).map(([name, path]) => [name, `file:${path}`]));
  const manifest = {
    name: 'ballast-user',
    private: true,
    type: 'module',
    dependencies: Object.fromEntries(Object.entries(dependencies).map(([n, v]) => [n, asSpec(v)])),
    devDependencies,
    overrides,
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return dir;
}
