import { describe, expect, it } from 'vitest';
import { createBallast, type Ballast, type BallastOptions } from '@ballast/core';
import type { AdapterHarness, RunningApp } from '../harness.js';
import { runningApps } from './running.js';
import { Latch, until } from '../latch.js';
import { getJson, pipelined } from '../http.js';

/**
 * Clients that leave, over raw sockets: HTTP/1.1 pipelined requests whose client
 * disconnects while the first runs, while the others are queued, and while they
 * are being admitted. Node emits no response event for a pipelined response still
 * waiting behind an earlier one, only `close` on its request; nothing may leak.
 */
export function pipeliningContract(harness: AdapterHarness): void {
  describe(`${harness.name}: pipelined clients that leave`, () => {
    const apps = runningApps(harness);

    async function start(limits: NonNullable<BallastOptions['limits']>, routeLimits: string[], latch: Latch) {
      const ballast = createBallast({ limits });
      const handler = async () => (await latch.wait(), { body: { ok: true } });
      const app = await apps.start(ballast, {
        observe: true,
        routes: [
          { method: 'get', path: '/work', limits: routeLimits, handler },
          { method: 'post', path: '/work', limits: routeLimits, handler },
        ],
      });
      return { ballast, app };
    }

    /** Every slot and queue place is back, the in-flight gauge is 0, and a fresh client is admitted and served. */
    async function expectNothingHeld(b: Ballast, a: RunningApp, latch: Latch, names: string[]): Promise<void> {
      const held = () => names.map((n) => b.limits.view(n).stats).map((s) => `${s.running}/${s.queued}`).join(' ');
      await until(() => held() === names.map(() => '0/0').join(' ') && b.observer.inFlight === 0, 3000, 'slots, queue places and in-flight requests to be released').catch(
        (error: Error) => {
          throw new Error(`${error.message} (running/queued: ${held()}, in flight: ${b.observer.inFlight})`);
        },
      );
      latch.open();
      expect(await getJson(a.url, '/work')).toEqual({ status: 200, body: { ok: true } });
      await until(() => held() === names.map(() => '0/0').join(' ') && b.observer.inFlight === 0, 3000, 'the fresh request to release');
    }

    it('releases every slot when the client leaves while the first of three pipelined requests runs', async () => {
      const latch = new Latch();
      const { ballast, app } = await start({ work: { maxConcurrent: 4, maxQueue: 4 } }, ['work'], latch);
      for (let round = 0; round < 3; round++) {
        const client = await pipelined(app.url, '/work', 3);
        await latch.arrivedAtLeast(3 * (round + 1));
        expect(ballast.limits.view('work').stats.running).toBe(3);
        client.leave();
        await until(() => ballast.limits.view('work').stats.running === 0, 3000, `round ${round + 1}: slots to be released`).catch(
          (error: Error) => {
            throw new Error(`${error.message} (running: ${ballast.limits.view('work').stats.running})`);
          },
        );
      }
      await expectNothingHeld(ballast, app, latch, ['work']);
    });

    it('releases every slot when the client leaves after its pipelined POST bodies were read (running, queued behind the first response)', async () => {
      const latch = new Latch();
      const { ballast, app } = await start({ work: { maxConcurrent: 4, maxQueue: 4 } }, ['work'], latch);
      const client = await pipelined(app.url, '/work', 3, JSON.stringify({ item: 'x'.repeat(64) }));
      // The handlers run after the body parser read each body to the end.
      await latch.arrivedAtLeast(3);
      client.leave();
      await expectNothingHeld(ballast, app, latch, ['work']);
    });

    it('takes pipelined requests out of the queue at once when their client leaves', async () => {
      const latch = new Latch();
      const { ballast, app } = await start({ work: { maxConcurrent: 1, maxQueue: 4, queueTimeoutMs: 60_000 } }, ['work'], latch);
      const client = await pipelined(app.url, '/work', 3);
      await until(() => latch.arrived === 1 && ballast.limits.view('work').stats.queued === 2, 3000, 'one running, two queued');
      client.leave();
      await expectNothingHeld(ballast, app, latch, ['work']);
      // The queued requests never reached the handler (the second arrival is the fresh client).
      expect(latch.arrived).toBe(2);
      expect(ballast.limits.view('work').stats.shed).toBe(0);
    });

    it('gives back the first limit of pipelined requests that leave half-admitted (holding one limit, queued on the next)', async () => {
      const latch = new Latch();
      const { ballast, app } = await start(
        { api: { maxConcurrent: 10 }, work: { maxConcurrent: 1, maxQueue: 4, queueTimeoutMs: 60_000 } },
        ['api', 'work'],
        latch,
      );
      const client = await pipelined(app.url, '/work', 3);
      await until(() => latch.arrived === 1 && ballast.limits.view('work').stats.queued === 2, 3000, 'one running, two queued');
      expect(ballast.limits.view('api').stats.running).toBe(3);
      client.leave();
      await expectNothingHeld(ballast, app, latch, ['api', 'work']);
      expect(latch.arrived).toBe(2);
    });

    it('leaks nothing when the client leaves just as a slot frees up for its queued requests', async () => {
      const latch = new Latch();
      const { ballast, app } = await start({ work: { maxConcurrent: 1, maxQueue: 4, queueTimeoutMs: 60_000 } }, ['work'], latch);
      const work = () => ballast.limits.view('work').stats;
      for (let round = 0; round < 5; round++) {
        const before = latch.arrived;
        const client = await pipelined(app.url, '/work', 3);
        await until(() => latch.arrived === before + 1 && work().queued === 2, 3000, `round ${round + 1}: one running, two queued`);
        // The running request finishes (admitting the next) in the same turn as the client leaves.
        latch.release(latch.waiting);
        client.leave();
        await until(() => work().running === 0 && work().queued === 0, 3000, `round ${round + 1}: slots to be released`);
      }
      await expectNothingHeld(ballast, app, latch, ['work']);
    });
  });
}
