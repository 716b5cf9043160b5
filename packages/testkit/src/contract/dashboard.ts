import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { createBallast } from '@ballast/core';
import type { AdapterHarness, RunningApp } from '../harness.js';
import { runningApps } from './running.js';
import { READ_SECRET, WRITE_SECRET } from './admin.js';

const PREFIX = '/_ballast';

function expectLockedDown(headers: Record<string, string>): void {
  const csp = headers['content-security-policy'] ?? '';
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("style-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['cache-control']).toBe('no-store');
  expect(headers['set-cookie']).toBeUndefined();
}

/** The dashboard: page and assets without a token and locked down by headers; its data only with one. */
export function dashboardContract(harness: AdapterHarness): void {
  describe(`${harness.name}: dashboard`, () => {
    const apps = runningApps(harness);

    async function start(): Promise<RunningApp> {
      const ballast = createBallast({
        limits: { search: { maxConcurrent: 4 } },
        dependencies: { profiles: {} },
        admin: { tokens: { ops: { secret: WRITE_SECRET, role: 'write' }, viewer: { secret: READ_SECRET, role: 'read' } } },
      });
      return apps.start(ballast, { routes: [], adminPrefix: PREFIX });
    }

    it('serves the page at <prefix>/ without a token, with a strict CSP and no-store, loading only relative assets', async () => {
      const running = await start();
      const res = await request(running.server).get(`${PREFIX}/`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expectLockedDown(res.headers as Record<string, string>);
      expect(res.text).toContain('<script type="module" src="./assets/app.js"></script>');
      expect(res.text).not.toMatch(/https?:\/\//);
      expect(res.text).not.toMatch(/<script>|<style|style=/);
    });

    it('redirects <prefix> to <prefix>/ so that the relative asset URLs resolve under the prefix', async () => {
      const running = await start();
      const res = await request(running.server).get(PREFIX);
      expect(res.status).toBe(302);
      expect(new URL(res.headers.location as string, `${running.url}${PREFIX}`).pathname).toBe(`${PREFIX}/`);
    });

    it('serves every asset the page names, with its type and the same headers', async () => {
      const running = await start();
      const page = await request(running.server).get(`${PREFIX}/`);
      const assets = [...page.text.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1] as string);
      expect(assets.sort()).toEqual(['assets/app.css', 'assets/app.js', 'assets/icon.svg']);
      const types: Record<string, RegExp> = { js: /^text\/javascript/, css: /^text\/css/, svg: /^image\/svg\+xml/ };
      for (const asset of assets) {
        const res = await request(running.server).get(`${PREFIX}/${asset}`);
        expect(res.status, asset).toBe(200);
        expect(res.headers['content-type']).toMatch(types[asset.slice(asset.lastIndexOf('.') + 1)] as RegExp);
        expectLockedDown(res.headers as Record<string, string>);
      }
    });

    it('answers 404 for any other asset name, encoded path traversal included', async () => {
      const running = await start();
      for (const name of ['nope.js', 'index.html', '..%2fpackage.json', '..%2f..%2f..%2fpackage.json', '%2e%2e%2fpackage.json', '..%5cpackage.json']) {
        const res = await request(running.server).get(`${PREFIX}/assets/${name}`);
        expect(res.status, name).toBe(404);
        expect(res.text).not.toContain('"name"');
      }
    });

    it('whoami answers the token name and role (never the secret) and needs a token', async () => {
      const running = await start();
      expect((await request(running.server).get(`${PREFIX}/whoami`)).status).toBe(401);
      const read = await request(running.server).get(`${PREFIX}/whoami`).set('authorization', `Bearer ${READ_SECRET}`);
      expect(read.body).toEqual({ name: 'viewer', role: 'read' });
      const write = await request(running.server).get(`${PREFIX}/whoami`).set('authorization', `Bearer ${WRITE_SECRET}`);
      expect(write.body).toEqual({ name: 'ops', role: 'write' });
      expect(write.text).not.toContain(WRITE_SECRET);
    });

    it('overview needs a token and holds what the section routes answer, leaving out what this instance lacks', async () => {
      const running = await start();
      expect((await request(running.server).get(`${PREFIX}/overview`)).status).toBe(401);
      const bad = await request(running.server).get(`${PREFIX}/overview`).set('authorization', 'Bearer wrong-secret-0123456789');
      expect(bad.status).toBe(401);
      const auth = { authorization: `Bearer ${READ_SECRET}` };
      const res = await request(running.server).get(`${PREFIX}/overview`).set(auth);
      expect(res.status).toBe(200);
      expect(typeof res.body.at).toBe('number');
      const limits = await request(running.server).get(`${PREFIX}/limits`).set(auth);
      expect(res.body.sections.limits).toEqual(limits.body);
      expect(Object.keys(res.body.sections.dependencies.dependencies)).toEqual(['profiles']);
      expect(res.body.sections.audit).toEqual({ entries: [] });
      // No outbox configured: its section is left out rather than shown as an error.
      expect(res.body.sections.outbox).toBeUndefined();
      for (const [section, path] of [['flags', '/flags'], ['brokers', '/brokers'], ['instances', '/fleet/instances']] as const) {
        const direct = await request(running.server).get(`${PREFIX}${path}`).set(auth);
        if (direct.status === 404) expect(res.body.sections[section], section).toBeUndefined();
        else expect(res.body.sections[section], section).toEqual(direct.body);
      }
    });
  });
}
