import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { createBallast } from '@ballast/core';
import type { AdapterHarness, RunningApp } from '../harness.js';
import { until } from '../latch.js';
import { runningApps } from './running.js';

/** Sends `count` GETs, `batch` at a time. */
async function flood(app: RunningApp, count: number, path: (i: number) => string, batch = 20): Promise<void> {
  for (let i = 0; i < count; i += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, j) => request(app.server).get(path(i + j))));
  }
}

/** Route labels under mounted routers and the route cap, as a user's traffic (and an attacker's) shapes them. */
export function routeLabelsContract(harness: AdapterHarness): void {
  describe(`${harness.name}: route labels and the route cap`, () => {
    const running = runningApps(harness);

    it('labels a parameterised mount by its template, and a hot route keeps its series and gets a verdict after a flood of distinct paths', async () => {
      const ballast = createBallast({
        observe: { windowMs: 1000, evaluateIntervalMs: 20 },
        asserts: { search: { expression: 'p99(latency, /search) < 10s', minSamples: 5 } },
      });
      const app = await running.start(ballast, {
        observe: true,
        routes: [
          { method: 'get', path: '/search', handler: () => ({ body: { ok: true } }) },
          { method: 'get', mount: '/t/:tenant', path: '/items/:id', handler: ({ params }) => ({ body: params }) },
        ],
      });
      const observer = ballast.observer;
      const tenantItem = await request(app.server).get('/t/acme/items/7').expect(200);
      expect(tenantItem.body).toMatchObject({ id: '7' });
      // 520 distinct paths under the mount, and as many that match nothing.
      await flood(app, 520, (i) => `/t/tenant-${i}/items/${i}`);
      await flood(app, 520, (i) => `/junk-${i}/x`);
      await until(
        async () => {
          await flood(app, 10, () => '/search', 10);
          return (await ballast.asserts.view('search'))?.status !== 'warn';
        },
        10_000,
        'the /search assert to give a verdict',
      );
      expect(await ballast.asserts.view('search')).toMatchObject({ status: 'pass' });
      const routes = observer.series().map((s) => s.route);
      expect(routes).toContain('/t/:tenant/items/:id');
      expect(routes).toContain('/search');
      expect(routes.filter((r) => r.includes('tenant-') || r.includes('junk-'))).toEqual([]);
      // Every request under the mount counted under its one template (cumulative 2xx count).
      expect(observer.series().find((s) => s.route === '/t/:tenant/items/:id')?.count[1]).toBe(521);
    });
  });
}
