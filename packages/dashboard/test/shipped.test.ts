import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type * as Core from '@ballast/core';

// The built @ballast/core (run `pnpm build` first; `pnpm verify` does), as a user's import or require loads it.
const coreDist = new URL('../../core/dist/', import.meta.url);
type CoreModule = typeof Core;
const loaders: [string, () => Promise<CoreModule>][] = [
  ['ESM import', () => import(new URL('index.js', coreDist).href) as Promise<CoreModule>],
  ['CommonJS require', async () => createRequire(import.meta.url)(new URL('index.cjs', coreDist).pathname) as CoreModule],
];

describe('the dashboard ships inside the built @ballast/core', () => {
  for (const [how, load] of loaders) {
    it(`serves the same page and script as the dashboard build (${how})`, async () => {
      const { createBallast } = await load();
      const ballast = createBallast({ admin: { tokens: { ops: { secret: 'shipped-secret-0123456789', role: 'read' } } } });
      const server = await ballast.admin.listen({ port: 0 });
      try {
        const base = `http://127.0.0.1:${server.port}`;
        const page = await fetch(`${base}/`);
        expect(page.status).toBe(200);
        expect(await page.text()).toBe(await readFile(new URL('../dist/index.html', import.meta.url), 'utf8'));
        const script = await fetch(`${base}/assets/app.js`);
        expect(await script.text()).toBe(await readFile(new URL('../dist/app.js', import.meta.url), 'utf8'));
      } finally {
        await server.close();
        await ballast.stop();
      }
    });
  }
});
