import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { createBallast, type Ballast } from '@ballast/core';
import type { AdapterHarness, RunningApp } from '../harness.js';
import { until } from '../latch.js';
import { PREFIX, READ_SECRET, WRITE_SECRET } from './admin.js';
import { runningApps } from './running.js';

// The machine's brokers (CI starts them); each test uses its own topic and group.
const brokers = {
  redis: { type: 'redis-streams', url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
  nats: { type: 'nats-jetstream', servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' },
} as const;
const unique = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** Publish one, subscribe many through the admin API: `/brokers`, drains, `/subscriptions` and the dead list. */
export function brokersContract(harness: AdapterHarness): void {
  describe(`${harness.name}: brokers admin`, () => {
    const running = runningApps(harness);

    /** An app whose `POST /orders` publishes its body to `topic`. */
    async function start(topic: string, bodyParser = false): Promise<{ ballast: Ballast; app: RunningApp }> {
      const ballast = createBallast({
        brokers,
        admin: { tokens: { ops: { secret: WRITE_SECRET, role: 'write' }, viewer: { secret: READ_SECRET, role: 'read' } } },
      });
      await ballast.start();
      const app = await running.start(ballast, {
        routes: [{ method: 'post', path: '/orders', handler: async ({ query }) => ({ body: await ballast.publish(topic, { orderId: query.id ?? '' }) }) }],
        adminPrefix: PREFIX,
        bodyParser,
      });
      return { ballast, app };
    }
    const get = (app: RunningApp, path: string): request.Test => request(app.server).get(`${PREFIX}${path}`).set('authorization', `Bearer ${READ_SECRET}`);
    const drain = (app: RunningApp, name: string, secret = WRITE_SECRET): request.Test =>
      request(app.server).patch(`${PREFIX}/brokers/${name}`).set('authorization', `Bearer ${secret}`);

    for (const bodyParser of [false, true]) {
      it(`drains a broker so publishes go to another, audited, and undrains it (${bodyParser ? 'after a JSON body parser' : 'without a body parser'})`, async () => {
        const { app } = await start(`contract.${unique('drain')}`, bodyParser);
        const before = await get(app, '/brokers');
        expect(before.status).toBe(200);
        expect(before.body.brokers).toEqual({
          redis: { type: 'redis-streams', state: 'up', published: 0, consumed: 0, lastError: null },
          nats: { type: 'nats-jetstream', state: 'up', published: 0, consumed: 0, lastError: null },
        });

        const drained = await drain(app, 'redis').send({ drain: true });
        expect(drained.status).toBe(200);
        expect(drained.body).toMatchObject({ name: 'redis', type: 'redis-streams', state: 'draining' });
        for (const id of ['1', '2', '3']) expect((await request(app.server).post(`/orders?id=${id}`)).body).toMatchObject({ broker: 'nats' });
        expect((await get(app, '/brokers/nats')).body).toMatchObject({ state: 'up', published: 3 });

        const audit = await get(app, '/audit');
        expect(audit.body.entries).toEqual([expect.objectContaining({ actor: 'ops', action: 'broker.drain', target: 'redis', before: { drain: false }, after: { drain: true } })]);
        expect((await drain(app, 'redis').send({ drain: false })).body).toMatchObject({ state: 'up' });
      });
    }

    it('refuses what it cannot do and changes nothing', async () => {
      const { app } = await start(`contract.${unique('refuse')}`);
      expect((await drain(app, 'redis', READ_SECRET).send({ drain: true })).status).toBe(403);
      expect((await drain(app, 'kafka').send({ drain: true })).status).toBe(404);
      expect((await drain(app, 'redis').set('content-type', 'text/plain').send('drain')).status).toBe(415);
      const invalid = await drain(app, 'redis').send({ drain: 'yes' });
      expect(invalid.status).toBe(400);
      expect(invalid.body).toMatchObject({ error: 'invalid', field: 'drain' });
      expect((await drain(app, 'redis').send({ drain: true, extra: 1 })).status).toBe(400);
      expect((await get(app, '/brokers/redis')).body).toMatchObject({ state: 'up' });
      expect((await get(app, '/audit')).body.entries).toEqual([]);
    });

    it('reports each subscription and its dead messages with the reason', async () => {
      const topic = `contract.${unique('dead')}`;
      const group = unique('g');
      const { ballast, app } = await start(topic);
      const subscription = ballast.subscribe(topic, { group, maxAttempts: 1 }, (message) => {
        if (message.orderId === 'bad') throw new Error('no such order');
      });
      await subscription.ready();
      for (const id of ['good', 'bad']) expect((await request(app.server).post(`/orders?id=${id}`)).status).toBe(200);
      await until(() => subscription.stats().handled + subscription.stats().dead === 2, 10_000, 'both messages');

      const subscriptions = await get(app, '/subscriptions');
      expect(subscriptions.body.subscriptions).toEqual([{ topic, group, dedupe: 'memory', handled: 1, retried: 0, dead: 1, duplicates: 0 }]);
      const dead = await get(app, '/subscriptions/dead');
      expect(dead.body.dead).toEqual([
        expect.objectContaining({ topic, group, reason: 'handler', error: 'no such order', attempts: 1, message: { orderId: 'bad' } }),
      ]);
    });
  });
}
