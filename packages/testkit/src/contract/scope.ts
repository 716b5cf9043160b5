import { afterEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createBallast, type Ballast } from '@ballast/core';
import type { AdapterHarness, AppSpec, RouteSpec, RunningApp } from '../harness.js';
import { createTestDatabase, type TestDatabase } from '../postgres.js';

const unreachable = (): Promise<never> => Promise.reject(new Error('the dependency is down'));

/** The request scope (`req.ballast` / `ctx.state.ballast`) and Ballast's errors as JSON answers. */
export function scopeContract(harness: AdapterHarness): void {
  describe(`${harness.name}: request scope and errors`, () => {
    let app: RunningApp | undefined;
    let ballast: Ballast | undefined;
    let db: TestDatabase | undefined;
    afterEach(async () => {
      await app?.close();
      await ballast?.stop();
      await db?.drop();
      app = ballast = db = undefined;
    });

    const start = async (spec: AppSpec, options: Parameters<typeof createBallast>[0] = {}): Promise<RunningApp> => {
      ballast = createBallast({ limits: { api: { maxConcurrent: 10 } }, dependencies: { profiles: { timeoutMs: 1000 } }, ...options });
      await ballast.start();
      return (app = await harness.start(ballast, spec));
    };
    const read: RouteSpec = {
      method: 'get',
      path: '/read',
      handler: async ({ scope }) => ({ body: await scope.read('profiles', unreachable, { fallback: () => ({ name: 'guest' }) }) }),
    };

    it('works in a handler with no Ballast middleware of its own when the app mounts one elsewhere, before that one ever ran', async () => {
      const limited: RouteSpec = { method: 'get', path: '/limited', limits: ['api'], handler: () => ({ body: { ok: true } }) };
      const a = await start({ routes: [limited, read] });
      const res = await request(a.server).get('/read').expect(200);
      expect([res.body, res.headers['ballast-degraded']]).toEqual([{ name: 'guest' }, 'profiles']);
    });

    it('throws MissingScopeError naming the middleware to add on an app that mounts none', async () => {
      const probe: RouteSpec = {
        method: 'get',
        path: '/probe',
        handler: (req) => {
          try {
            return { body: { scope: typeof req.scope } };
          } catch (error) {
            return { body: { name: (error as Error).name, code: (error as { code?: string }).code, message: (error as Error).message } };
          }
        },
      };
      const a = await start({ routes: [probe] });
      const res = await request(a.server).get('/probe').expect(200);
      expect(res.body).toMatchObject({ name: 'MissingScopeError', code: 'BALLAST_MISSING_SCOPE' });
      expect(res.body.message).toMatch(/app\.use\([bk]\.observe\(\)\)/);
    });

    it('answers a read whose breaker is open and has no fallback with 503 JSON and Retry-After', async () => {
      const bare: RouteSpec = { method: 'get', path: '/bare', limits: ['api'], handler: async ({ scope }) => ({ body: await scope.read('profiles', unreachable) }) };
      const a = await start({ routes: [bare], errors: true });
      ballast!.dependencies.update('profiles', { force: 'open' });
      const res = await request(a.server).get('/bare').expect(503);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body).toMatchObject({ error: 'unavailable', dependency: 'profiles', code: 'BALLAST_DEPENDENCY_OPEN' });
    });

    it('answers an OutboxFullError from desync with 503 JSON and Retry-After, like a shed', async () => {
      db = await createTestDatabase();
      const write: RouteSpec = { method: 'post', path: '/orders', limits: ['api'], handler: async ({ scope }) => ({ status: 202, body: await scope.desync('billing', { n: 1 }) }) };
      const a = await start(
        { routes: [write], errors: true },
        { outbox: { database: db.database, destinations: { billing: { deliver: async () => {}, maxPending: 1 } }, worker: { enabled: false } } },
      );
      await request(a.server).post('/orders').expect(202);
      const res = await request(a.server).post('/orders').expect(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body).toMatchObject({ error: 'overloaded', destination: 'billing', code: 'BALLAST_OUTBOX_FULL' });
      expect(res.body.message).toMatch(/maxPending/);
    });

    it('leaves errors that are not Ballast\'s to the framework', async () => {
      const broken: RouteSpec = { method: 'get', path: '/broken', handler: () => Promise.reject(new Error('boom')) };
      const a = await start({ routes: [broken], errors: true, observe: true });
      const res = await request(a.server).get('/broken').expect(500);
      expect(res.headers['content-type'] ?? '').not.toMatch(/^application\/json/);
    });
  });
}
