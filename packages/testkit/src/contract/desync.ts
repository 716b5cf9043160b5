import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createBallast, httpDestination, type Ballast, type DesyncMode, type DestinationOptions } from '@ballast/core';
import type { AdapterHarness, RunningApp } from '../harness.js';
import { createTestDatabase, uniqueName, type TestDatabase } from '../postgres.js';
import { startReceiver, type Receiver } from '../receiver.js';

/**
 * Write de-synchronizing from a handler: `desync` answers `delivered` (200) or
 * `queued` (202); a full outbox surfaces as 503 with Retry-After in both
 * frameworks without any adapter code.
 */
export function desyncContract(harness: AdapterHarness): void {
  describe(`${harness.name}: desync`, () => {
    let db: TestDatabase;
    let rx: Receiver;
    let app: RunningApp | undefined;
    let ballast: Ballast | undefined;
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(async () => {
      await db.drop();
    });
    afterEach(async () => {
      await app?.close();
      await ballast?.stop();
      await rx.close();
      app = ballast = undefined;
    });

    /** An app whose `POST /orders/:account` desyncs the body to `billing` with the given mode. */
    async function start(mode: DesyncMode, billing: Partial<DestinationOptions> = {}, worker = true) {
      rx = await startReceiver();
      const b = (ballast = createBallast({
        limits: { api: { maxConcurrent: 100 } },
        outbox: {
          database: db.database,
          schema: uniqueName('desync'),
          destinations: { billing: { deliver: httpDestination(`${rx.url}/billing`, { timeoutMs: 1000 }), ...billing } },
          worker: { enabled: worker, pollIntervalMs: 50, backoff: { baseMs: 20, maxMs: 100 } },
        },
      }));
      await b.start();
      const running = (app = await harness.start(b, {
        routes: [
          {
            method: 'post',
            path: '/orders/:account',
            limits: ['api'],
            handler: async ({ params, body, scope }) => {
              const result = await scope.desync('billing', body, { key: params.account as string, mode });
              return { status: result.status === 'delivered' ? 200 : 202, body: result };
            },
          },
        ],
      }));
      return { post: (account: string, body: object) => request(running.server).post(`/orders/${account}`).send(body) };
    }

    it('buffer-first answers 202 queued, and the worker delivers with the same idempotency key', async () => {
      const { post } = await start('buffer-first');
      const res = await post('acct-1', { total: 12 });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: 'queued', id: expect.stringMatching(/^\d+$/) });
      await rx.waitForDelivered(1);
      expect(rx.delivered()[0]).toMatchObject({ idempotencyKey: res.body.idempotencyKey, key: 'acct-1', body: { total: 12 } });
    });

    it('direct-first answers 200 delivered when the destination accepts at once', async () => {
      const { post } = await start('direct-first');
      const delivered: unknown[] = [];
      ballast?.events.on('outbox:delivered', (e) => delivered.push(e));
      const res = await post('acct-1', { total: 5 });
      expect(res.status).toBe(200);
      expect(delivered).toEqual([
        { destination: 'billing', id: undefined, idempotencyKey: res.body.idempotencyKey, attempt: 1, durationMs: expect.any(Number) },
      ]);
      expect(res.body).toEqual({ status: 'delivered', idempotencyKey: expect.any(String) });
      expect(rx.delivered().map((r) => r.idempotencyKey)).toEqual([res.body.idempotencyKey]);
      expect((await ballast?.outbox.stats())?.billing).toMatchObject({ pending: 0, dead: 0 });
    });

    it('direct-first queues (202) when the destination fails, and delivers later under the same key', async () => {
      const { post } = await start('direct-first');
      rx.failNext(1, { status: 503 });
      const res = await post('acct-2', { total: 7 });
      expect(res.status).toBe(202);
      expect(res.body.status).toBe('queued');
      await rx.waitForDelivered(1);
      expect(rx.received.map((r) => [r.idempotencyKey, r.status])).toEqual([
        [res.body.idempotencyKey, 503],
        [res.body.idempotencyKey, 200],
      ]);
    });

    it('answers 400, never 503, for a body PostgreSQL would refuse (a lone surrogate), in either mode, storing nothing', async () => {
      for (const mode of ['buffer-first', 'direct-first'] as const) {
        const { post } = await start(mode);
        const res = await post('acct-3', { name: '\ud800' });
        expect(res.status, mode).toBe(400);
        expect((await ballast?.outbox.stats())?.billing).toMatchObject({ pending: 0, inFlight: 0 });
        expect(rx.received).toEqual([]);
        await app?.close();
        await ballast?.stop();
        await rx.close();
        app = ballast = undefined;
      }
      rx = await startReceiver(); // for afterEach
    });

    it('answers 503 with Retry-After when the destination is at maxPending, storing nothing', async () => {
      const { post } = await start('buffer-first', { maxPending: 1 }, false);
      expect((await post('a', { n: 1 })).status).toBe(202);
      const res = await post('a', { n: 2 });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect((await ballast?.outbox.stats())?.billing?.pending).toBe(1);
    });
  });
}
