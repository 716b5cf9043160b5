// What a new user does: install the packed packages into a fresh npm project (no
// pg, PGlite or Bottleneck), compile the README's Express and Koa programs as
// written with `skipLibCheck: false`, run each, make requests, stop it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installProject, packAll, root } from '../../scripts/packaging/project.mjs';

const TOKEN = 'readme-test-token-0123456789';

/** The fenced code block that follows `<!-- snippet:<name> -->` in the README. */
function snippet(readme: string, name: string): string {
  const match = new RegExp(`<!-- snippet:${name} -->\\s*\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!match?.[1]) throw new Error(`README.md has no <!-- snippet:${name} --> block`);
  return match[1];
}

let project = '';
let packs = '';

beforeAll(() => {
  packs = mkdtempSync(join(tmpdir(), 'ballast-packs-'));
  const tarballs = packAll(packs);
  project = installProject({
    tarballs,
    dependencies: {
      '@ballast/core': tarballs['@ballast/core'] as string,
      '@ballast/express': tarballs['@ballast/express'] as string,
      '@ballast/koa': tarballs['@ballast/koa'] as string,
      express: '^5.1.0',
      koa: '^3.0.3',
      '@koa/router': '^14.0.0',
    },
    devDependencies: { typescript: '~5.9.3', '@types/node': '^20.19.0', '@types/express': '^5.0.3', '@types/koa': '^3.0.0', '@types/koa__router': '^12.0.4' },
  });
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  mkdirSync(join(project, 'src'));
  writeFileSync(join(project, 'src/express.ts'), snippet(readme, 'express'));
  writeFileSync(join(project, 'src/koa.ts'), snippet(readme, 'koa'));
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, outDir: 'dist', types: ['node'] },
      include: ['src'],
    }),
  );
}, 240_000);

afterAll(() => {
  for (const dir of [project, packs]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Starts a compiled snippet on a free port; resolves with its base URL once it listens. */
function start(file: string): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const child = spawn(process.execPath, [join(project, 'dist', file)], {
    cwd: project,
    env: { ...process.env, PORT: '0', BALLAST_ADMIN_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer): void => {
      output += d.toString();
      const port = /port: (\d+)/.exec(output)?.[1];
      if (port) resolve({ child, base: `http://127.0.0.1:${port}`, output: () => output });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before listening:\n${output}`)));
  });
}

const exited = (child: ChildProcess): Promise<number | null> => new Promise((resolve) => child.once('exit', resolve));

describe('a fresh project with the packed packages (npm install)', () => {
  it('installs no pg, PGlite or Bottleneck for limits and degraded reads', () => {
    for (const name of ['pg', '@electric-sql/pglite', 'bottleneck']) expect(existsSync(join(project, 'node_modules', name)), name).toBe(false);
  });

  it("compiles the README's Express and Koa programs as written, with skipLibCheck: false", () => {
    let output = '';
    try {
      execFileSync(join(project, 'node_modules/.bin/tsc'), ['-p', '.'], { cwd: project, encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    // @types/koa 3.0 names `contentDisposition.Options`, which content-disposition 1.x (koa's own
    // dependency, with its own types) no longer has: a third-party error any Koa project sees.
    const foreign = /^node_modules\/@types\/koa\/index\.d\.ts\(\d+,\d+\): error TS2694: .*content-disposition.*'Options'\.$/;
    expect(output.split('\n').filter((line) => line.trim() !== '' && !foreign.test(line))).toEqual([]);
  }, 60_000);

  it.each(['express.js', 'koa.js'])('runs the README program %s: a limited route, a public probe, a degraded read, then SIGTERM', async (file) => {
    const app = await start(file);
    try {
      const search = await fetch(`${app.base}/search?q=ballast`);
      expect([search.status, await search.json()]).toEqual([200, { q: 'ballast', results: [] }]);
      const ready = await fetch(`${app.base}/_ballast/readyz`);
      expect([ready.status, await ready.json()]).toEqual([200, { status: 'pass' }]);
      expect((await fetch(`${app.base}/_ballast/limits`)).status).toBe(401);
      const profile = await fetch(`${app.base}/profile/7`);
      expect([profile.status, await profile.json(), profile.headers.get('ballast-degraded')]).toEqual([200, { name: 'guest' }, 'profiles']);
    } finally {
      app.child.kill('SIGTERM');
    }
    expect(await exited(app.child), app.output()).toBe(0);
  }, 30_000);

  it('names the package to install when a feature needs an optional peer', () => {
    const script = `
      import { createBallast } from '@ballast/core';
      const ballast = createBallast({ outbox: { destinations: { d: { deliver: async () => {} } } } });
      try { await ballast.start(); console.log('started'); } catch (e) { console.log(e.name, e.code, e.packageName); }
    `;
    writeFileSync(join(project, 'peer.mjs'), script);
    expect(execFileSync(process.execPath, ['peer.mjs'], { cwd: project, encoding: 'utf8' }).trim()).toBe('MissingPeerError BALLAST_MISSING_PEER @electric-sql/pglite');
  });
});
