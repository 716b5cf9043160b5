import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { createBallast, type BallastOptions } from '@ballast/core';
import type { AdapterHarness, AppSpec } from '../harness.js';
import { runningApps } from './running.js';
import { Latch, until } from '../latch.js';
import { performance } from 'node:perf_hooks';
import { abortedRequest, getJson } from '../http.js';

/** Flow control: admission, shedding, queueing, retune, composition, no leaked permits. */
export function limitsContract(harness: AdapterHarness): void {
  describe(`${harness.name}: limits`, () => {
    const apps = runningApps(harness);

    /** Starts an app whose `/work` route waits on `latch` under the given limits. */
    async function start(options: BallastOptions, latch: Latch, extra: Partial<AppSpec> = {}, limits = ['work']) {
      const ballast = createBallast(options);
      const app = await apps.start(ballast, {
        routes: [
          { method: 'get', path: '/work', limits, handler: async () => (await latch.wait(), { body: { ok: true } }) },
          { method: 'get', path: '/free', handler: () => ({ body: { ok: true } }) },
        ],
        ...extra,
      });
      return { ballast, app };
    }

    it('admits maxConcurrent + maxQueue of 20 concurrent requests and sheds the rest with queue_full', async () => {
      const latch = new Latch();
      const { ballast, app } = await start({ limits: { work: { maxConcurrent: 2, maxQueue: 3, queueTimeoutMs: 30_000 } } }, latch);
      const limiter = ballast.limits.get('work');
      const responses = Array.from({ length: 20 }, () => request(app.server).get('/work').then((r) => r));
      await until(() => limiter.running === 2 && limiter.queued === 3 && limiter.stats.shed === 15);
      latch.open();
      const results = await Promise.all(responses);
      const shed = results.filter((r) => r.status === 503);
      expect(results.filter((r) => r.status === 200)).toHaveLength(5);
      expect(shed).toHaveLength(15);
      for (const r of shed) {
        expect(r.body).toEqual({ error: 'overloaded', limit: 'work', reason: 'queue_full' });
        expect(r.headers['retry-after']).toBe('30');
        expect(r.headers['content-type']).toMatch(/^application\/json/);
      }
      expect(limiter.stats).toMatchObject({ running: 0, queued: 0, admitted: 5, shed: 15 });
    });

    it('sheds a queued request with queue_timeout once queueTimeoutMs has passed', async () => {
      const latch = new Latch();
      const { ballast, app } = await start({ limits: { work: { maxConcurrent: 1, maxQueue: 1, queueTimeoutMs: 50 } } }, latch);
      const first = request(app.server).get('/work').then((r) => r);
      await latch.arrivedAtLeast(1);
      const queued = await request(app.server).get('/work');
      expect(queued.status).toBe(503);
      expect(queued.body).toEqual({ error: 'overloaded', limit: 'work', reason: 'queue_timeout' });
      expect(queued.headers['retry-after']).toBe('1');
      latch.open();
      expect((await first).status).toBe(200);
      expect(ballast.limits.get('work').stats.shedByReason.queue_timeout).toBe(1);
    });

    it('answers 503 closed when maxConcurrent is 0, and other routes keep working', async () => {
      const latch = new Latch();
      const { app } = await start({ limits: { work: { maxConcurrent: 0, queueTimeoutMs: 3000 } } }, latch);
      const res = await request(app.server).get('/work');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: 'overloaded', limit: 'work', reason: 'closed' });
      expect(res.headers['retry-after']).toBe('3');
      expect((await request(app.server).get('/free')).status).toBe(200);
    });

    it('sheds over the rate with reason rate and a Retry-After until the next token', async () => {
      const latch = new Latch();
      latch.open();
      const { ballast, app } = await start({ limits: { work: { maxConcurrent: 10, ratePerSecond: 0.5, burst: 2 } } }, latch);
      expect((await request(app.server).get('/work')).status).toBe(200);
      expect((await request(app.server).get('/work')).status).toBe(200);
      const third = await request(app.server).get('/work');
      expect(third.status).toBe(503);
      expect(third.body).toEqual({ error: 'overloaded', limit: 'work', reason: 'rate' });
      // One token every 2 s: the next one is between 1 and 2 seconds away.
      expect(['1', '2']).toContain(third.headers['retry-after']);
      expect(ballast.limits.get('work').stats).toMatchObject({ admitted: 2, shed: 1 });
    });

    it('admits at most burst after an idle period: rate 10/s, burst 10, idle 1.5 s, then 40 at once', async () => {
      const latch = new Latch();
      latch.open();
      const { ballast, app } = await start({ limits: { work: { maxConcurrent: 100, ratePerSecond: 10, burst: 10 } } }, latch);
      await new Promise((r) => setTimeout(r, 1500));
      const sentAt = performance.now();
      const results = await Promise.all(Array.from({ length: 40 }, () => getJson(app.url, '/work')));
      const seconds = (performance.now() - sentAt) / 1000;
      const admitted = results.filter((r) => r.status === 200).length;
      // The bucket holds at most `burst` tokens however long it idled, plus what refills while the 40 arrive.
      expect(admitted).toBeGreaterThanOrEqual(10);
      expect(admitted).toBeLessThanOrEqual(10 + Math.floor(10 * seconds));
      expect(results.filter((r) => r.status === 503).every((r) => (r.body as { reason: string }).reason === 'rate')).toBe(true);
      expect(ballast.limits.view('work').stats).toMatchObject({ admitted, shed: 40 - admitted });
    });

    it('spends no token on a request shed for a full queue', async () => {
      const latch = new Latch();
      const { ballast, app } = await start(
        { limits: { work: { maxConcurrent: 1, maxQueue: 0, ratePerSecond: 0.001, burst: 2 } } },
        latch,
      );
      const first = request(app.server).get('/work').then((r) => r);
      await latch.arrivedAtLeast(1);
      const full = await request(app.server).get('/work');
      expect(full.body.reason).toBe('queue_full');
      latch.open();
      expect((await first).status).toBe(200);
      // The second token is still there: the queue_full shed did not take it.
      expect((await request(app.server).get('/work')).status).toBe(200);
      expect((await request(app.server).get('/work')).body.reason).toBe('rate');
      expect(ballast.limits.get('work').stats.shedByReason).toMatchObject({ queue_full: 1, rate: 1 });
    });

    it('admits queued requests at once when maxConcurrent is raised, without waiting for running ones', async () => {
      const latch = new Latch();
      const { ballast, app } = await start({ limits: { work: { maxConcurrent: 1, maxQueue: 5, queueTimeoutMs: 30_000 } } }, latch);
      const limiter = ballast.limits.get('work');
      const all = Array.from({ length: 4 }, () => request(app.server).get('/work').then((r) => r));
      await until(() => limiter.running === 1 && limiter.queued === 3);
      const view = ballast.limits.update('work', { maxConcurrent: 4 });
      // Synchronous: the queued requests are admitted by the time update() returns.
      expect(view.stats).toMatchObject({ running: 4, queued: 0 });
      expect(view.version).toBe(2);
      await latch.arrivedAtLeast(4);
      latch.open();
      expect((await Promise.all(all)).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    });

    it('never cancels running requests when maxConcurrent is lowered', async () => {
      const latch = new Latch();
      const { ballast, app } = await start({ limits: { work: { maxConcurrent: 3 } } }, latch);
      const limiter = ballast.limits.get('work');
      const running = Array.from({ length: 3 }, () => request(app.server).get('/work').then((r) => r));
      await latch.arrivedAtLeast(3);
      ballast.limits.update('work', { maxConcurrent: 1 });
      expect(limiter.running).toBe(3);
      expect((await request(app.server).get('/work')).body.reason).toBe('queue_full');
      latch.open();
      expect((await Promise.all(running)).map((r) => r.status)).toEqual([200, 200, 200]);
      expect(limiter.running).toBe(0);
    });

    it('sheds every queued request with closed when maxConcurrent is set to 0', async () => {
      const latch = new Latch();
      const { ballast, app } = await start({ limits: { work: { maxConcurrent: 1, maxQueue: 5, queueTimeoutMs: 30_000 } } }, latch);
      const limiter = ballast.limits.get('work');
      const first = request(app.server).get('/work').then((r) => r);
      const queued = Array.from({ length: 2 }, () => request(app.server).get('/work').then((r) => r));
      await until(() => limiter.queued === 2);
      ballast.limits.update('work', { maxConcurrent: 0 });
      for (const r of await Promise.all(queued)) expect(r.body.reason).toBe('closed');
      latch.open();
      expect((await first).status).toBe(200);
    });

    it('sheds the newest excess with queue_full when maxQueue is lowered below the queue', async () => {
      const latch = new Latch();
      const { ballast, app } = await start({ limits: { work: { maxConcurrent: 1, maxQueue: 5, queueTimeoutMs: 30_000 } } }, latch);
      const limiter = ballast.limits.get('work');
      const first = request(app.server).get('/work').then((r) => r);
      await latch.arrivedAtLeast(1);
      const queued: Promise<request.Response>[] = [];
      for (let i = 0; i < 3; i++) {
        queued.push(request(app.server).get('/work').query({ i }).then((r) => r));
        await until(() => limiter.queued === i + 1);
      }
      ballast.limits.update('work', { maxQueue: 1 });
      expect(limiter.queued).toBe(1);
      latch.open();
      const statuses = (await Promise.all(queued)).map((r) => r.status);
      // The oldest waiter keeps its place; the two newest are shed.
      expect(statuses).toEqual([200, 503, 503]);
      expect((await first).status).toBe(200);
    });

    it('holds all composed limits or none: a shed by the route limit gives the global slot back', async () => {
      const latch = new Latch();
      const { ballast, app } = await start(
        { limits: { api: { maxConcurrent: 5 }, search: { maxConcurrent: 1, maxQueue: 0 } } },
        latch,
        { globalLimits: ['api'] },
        ['search'],
      );
      const api = ballast.limits.get('api');
      const search = ballast.limits.get('search');
      const first = request(app.server).get('/work').then((r) => r);
      await latch.arrivedAtLeast(1);
      expect([api.running, search.running]).toEqual([1, 1]);
      const shed = await request(app.server).get('/work');
      expect(shed.body).toEqual({ error: 'overloaded', limit: 'search', reason: 'queue_full' });
      expect(api.running).toBe(1);
      expect((await request(app.server).get('/free')).status).toBe(200);
      latch.open();
      expect((await first).status).toBe(200);
      await until(() => api.running === 0 && search.running === 0, 5000, 'slots released');
    });

    it('composes two limits on one route in order, and the global shed skips the route limit', async () => {
      const latch = new Latch();
      const { ballast, app } = await start(
        { limits: { api: { maxConcurrent: 1 }, search: { maxConcurrent: 5 } } },
        latch,
        {},
        ['api', 'search'],
      );
      const first = request(app.server).get('/work').then((r) => r);
      await latch.arrivedAtLeast(1);
      const shed = await request(app.server).get('/work');
      expect(shed.body).toEqual({ error: 'overloaded', limit: 'api', reason: 'queue_full' });
      expect(ballast.limits.get('search').stats).toMatchObject({ running: 1, admitted: 1, shed: 0 });
      latch.open();
      expect((await first).status).toBe(200);
    });

    it('removes a queued request from the queue at once when its client disconnects', async () => {
      const latch = new Latch();
      const { ballast, app } = await start({ limits: { work: { maxConcurrent: 1, maxQueue: 2, queueTimeoutMs: 60_000 } } }, latch);
      const limiter = ballast.limits.get('work');
      const first = request(app.server).get('/work').then((r) => r);
      await latch.arrivedAtLeast(1);
      const aborted = abortedRequest(app.url, '/work');
      await until(() => limiter.queued === 1);
      aborted.abort();
      await until(() => limiter.queued === 0, 2000, 'queued request to leave');
      latch.open();
      expect((await first).status).toBe(200);
      // The disconnected request never ran.
      expect(latch.arrived).toBe(1);
      expect(limiter.stats).toMatchObject({ running: 0, admitted: 1, shed: 0 });
    });

    it('frees the slot of a running request when its client disconnects', async () => {
      const latch = new Latch();
      const { ballast, app } = await start({ limits: { work: { maxConcurrent: 1 } } }, latch);
      const limiter = ballast.limits.get('work');
      const aborted = abortedRequest(app.url, '/work');
      await latch.arrivedAtLeast(1);
      expect(limiter.running).toBe(1);
      aborted.abort();
      await until(() => limiter.running === 0, 2000, 'slot to be released');
      latch.open();
      expect((await getJson(app.url, '/work')).status).toBe(200);
    });

    it('leaks no permit after 1,000 requests of which a random third are aborted by the client', async () => {
      const ballast = createBallast({ limits: { work: { maxConcurrent: 4, maxQueue: 20, queueTimeoutMs: 10_000 } } });
      const app = await apps.start(ballast, {
        routes: [
          {
            method: 'get',
            path: '/work',
            limits: ['work'],
            handler: async () => {
              await new Promise((r) => setTimeout(r, Math.random() < 0.5 ? 0 : 2));
              return { body: { ok: true } };
            },
          },
        ],
      });
      const limiter = ballast.limits.get('work');
      const url = app.url;
      let next = 0;
      let aborted = 0;
      const counts = { ok: 0, shed: 0 };
      async function client(): Promise<void> {
        while (next < 1000) {
          next++;
          if (Math.random() < 1 / 3) {
            aborted++;
            const req = abortedRequest(url, '/work');
            await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 3)));
            req.abort();
          } else {
            const res = await getJson(url, '/work');
            if (res.status === 200) counts.ok++;
            else counts.shed++;
          }
        }
      }
      await Promise.all(Array.from({ length: 32 }, client));
      await until(() => limiter.running === 0 && limiter.queued === 0, 10_000, 'every permit to be returned');
      expect(aborted).toBeGreaterThan(200);
      expect(counts.ok + counts.shed + aborted).toBe(1000);
      expect(counts.ok).toBeGreaterThan(0);
    });
  });
}
