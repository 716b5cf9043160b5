import { afterEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createBallast, type Ballast } from '@ballast/core';
import type { AdapterHarness, RunningApp } from '../harness.js';
import { Latch, until } from '../latch.js';

/** Flow control: admission, shedding, queueing, composition, no leaked permits. */
export function limitsContract(harness: AdapterHarness): void {
  describe(`${harness.name}: limits`, () => {
    let app: RunningApp | undefined;
    let ballast: Ballast | undefined;
    afterEach(async () => {
      await app?.close();
      await ballast?.stop();
      app = undefined;
      ballast = undefined;
    });

    it('admits maxConcurrent + maxQueue of 20 concurrent requests and sheds the rest with queue_full', async () => {
      ballast = createBallast({ limits: { work: { maxConcurrent: 2, maxQueue: 3, queueTimeoutMs: 30_000 } } });
      const latch = new Latch();
      app = await harness.start(ballast, {
        routes: [{ method: 'get', path: '/work', limits: ['work'], handler: async () => (await latch.wait(), { body: { ok: true } }) }],
      });
      const limiter = ballast.limits.get('work');
      const responses = Array.from({ length: 20 }, () => request(app!.server).get('/work').then((r) => r));
      await until(() => limiter.running === 2 && limiter.queued === 3 && limiter.stats.shed === 15);
      latch.open();
      const results = await Promise.all(responses);
      const ok = results.filter((r) => r.status === 200);
      const shed = results.filter((r) => r.status === 503);
      expect(ok).toHaveLength(5);
      expect(shed).toHaveLength(15);
      for (const r of shed) {
        expect(r.body).toEqual({ error: 'overloaded', limit: 'work', reason: 'queue_full' });
        expect(r.headers['retry-after']).toBe('30');
      }
      expect(limiter.stats).toMatchObject({ running: 0, queued: 0, admitted: 5, shed: 15 });
    });
  });
}
