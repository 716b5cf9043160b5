import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { publishDestination, uuidv7, type Ballast } from '@ballast/core';
import { Redis } from 'ioredis';
import { createTestDatabase, testBackends, uniqueName, until, type TestDatabase } from '@ballast/testkit';
import { machineBrokers, uniqueGroup, uniqueTopic } from './brokers.js';
import { ballastSuite, eventually } from './setup.js';

describe.each(testBackends())("dedupe: 'postgres' (%s)", (backend) => {
  const suite = ballastSuite();
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ backend });
    await db.query('CREATE TABLE invoices (order_id text PRIMARY KEY, broker text NOT NULL)');
  });
  afterAll(() => db.drop());

  const instance = (schema: string, destinations = {}) =>
    suite.start({ brokers: machineBrokers(), outbox: { database: db.database, schema, destinations, worker: { pollIntervalMs: 50, backoff: { baseMs: 20, maxMs: 200 } } } });

  const invoices = async (): Promise<string[]> => (await db.query('SELECT order_id FROM invoices ORDER BY order_id')).map((r) => r.order_id as string);

  it('runs the effect once across instances and brokers, in the transaction that records the id', async () => {
    const topic = uniqueTopic();
    const group = uniqueGroup();
    const schema = uniqueName('mq');
    const instances: Ballast[] = [await instance(schema), await instance(schema)];
    const subscriptions = instances.map((b) =>
      b.subscribe(topic, { group, dedupe: 'postgres' }, async (message, ctx) => {
        await ctx.client.query('INSERT INTO invoices (order_id, broker) VALUES ($1, $2)', [message.orderId, ctx.broker]);
      }),
    );
    await Promise.all(subscriptions.map((s) => s.ready()));
    const ids = [uuidv7(), uuidv7()];
    // Each message goes through every broker, as late confirms and retries can make happen.
    for (const through of ['redis', 'nats', 'rabbit']) {
      for (const name of ['redis', 'nats', 'rabbit']) instances[0]!.messaging.drain(name, name !== through);
      for (const [i, id] of ids.entries()) await instances[0]!.messaging.publish(topic, { orderId: `${topic}-${i}` }, id);
    }
    const total = () => subscriptions.reduce((n, s) => n + s.stats().handled + s.stats().duplicates, 0);
    await until(() => total() === 6, 15_000, 'six deliveries');
    expect((await invoices()).filter((id) => id.startsWith(topic))).toEqual([`${topic}-0`, `${topic}-1`]);
    expect(subscriptions.reduce((n, s) => n + s.stats().handled, 0)).toBe(2);
    expect(subscriptions.reduce((n, s) => n + s.stats().duplicates, 0)).toBe(4);
  });

  it('rolls the effect back with the id when the handler throws, so the retry runs it again', async () => {
    const topic = uniqueTopic();
    const ballast = await instance(uniqueName('mq'));
    const subscription = ballast.subscribe(topic, { group: uniqueGroup(), dedupe: 'postgres' }, async (message, ctx) => {
      await ctx.client.query('INSERT INTO invoices (order_id, broker) VALUES ($1, $2)', [message.orderId, ctx.broker]);
      if (ctx.attempt === 1) throw new Error('downstream hiccup after the insert');
    });
    await subscription.ready();
    await ballast.publish(topic, { orderId: `${topic}-x` });
    await until(() => subscription.stats().handled === 1, 10_000, 'handled on the second attempt');
    expect(subscription.stats()).toMatchObject({ handled: 1, retried: 1, dead: 0 });
    expect((await invoices()).filter((id) => id.startsWith(topic))).toEqual([`${topic}-x`]);
  });

  it('publishes through the outbox with its idempotency key as the message id', async () => {
    const topic = uniqueTopic();
    const ballast = await instance(uniqueName('mq'), { events: { deliver: publishDestination(topic) } });
    const seen: { id: string; orderId: unknown }[] = [];
    const subscription = ballast.subscribe(topic, { group: uniqueGroup() }, (m, ctx) => void seen.push({ id: ctx.id, orderId: m.orderId }));
    await subscription.ready();
    const { idempotencyKey } = await ballast.outbox.enqueue('events', { orderId: '9' });
    await until(() => seen.length === 1, 10_000, 'the outbox published the message');
    expect(seen).toEqual([{ id: idempotencyKey, orderId: '9' }]);
    const invalid = await ballast.outbox.enqueue('events', { nested: { not: 'flat' } });
    await eventually(async () => (await ballast.outbox.dead('events')).length === 1, 10_000, 'the invalid message went dead at once');
    const [dead] = await ballast.outbox.dead('events');
    expect(dead).toMatchObject({ idempotencyKey: invalid.idempotencyKey, attempts: 1 });
    expect(dead?.lastError).toContain('"nested"');
  });

  it('deletes ids older than dedupeRetentionMs in the background, a batch at a time, and keeps the younger ones', async () => {
    const topic = uniqueTopic();
    const group = uniqueGroup();
    const schema = uniqueName('mq');
    // Create the tables, then record 2,500 ids an hour old: more than two of the pruner's batches.
    await (await instance(schema)).stop();
    await db.query(
      `INSERT INTO ${schema}.message_dedupe (topic, grp, id, seen_at) SELECT $1, $2, 'old-' || n, now() - interval '1 hour' FROM generate_series(1, 2500) n`,
      [topic, group],
    );
    const ballast = await suite.start({ brokers: machineBrokers(), messaging: { dedupeRetentionMs: 600_000 }, outbox: { database: db.database, schema, destinations: {} } });
    const subscription = ballast.subscribe(topic, { group, dedupe: 'postgres' }, () => {});
    await subscription.ready();
    const { id } = await ballast.publish(topic, { orderId: 'fresh' });
    await until(() => subscription.stats().handled === 1, 10_000, 'the fresh message');
    const ids = async (): Promise<string[]> => (await db.query(`SELECT id FROM ${schema}.message_dedupe WHERE topic = $1`, [topic])).map((r) => r.id as string);
    await eventually(async () => (await ids()).length === 1, 15_000, 'the old ids to be pruned');
    expect(await ids()).toEqual([id]);
  });

  it('deletes stored dead messages older than deadRetentionMs in the background and keeps the younger ones', async () => {
    const topic = uniqueTopic();
    const group = uniqueGroup();
    const schema = uniqueName('mq');
    // Create the tables, then store 2,500 dead messages an hour old: more than two of the pruner's batches.
    await (await instance(schema)).stop();
    await db.query(
      `INSERT INTO ${schema}.message_dead (topic, grp, id, broker, reason, error, attempts, dead_at)
       SELECT $1, $2, 'old-' || n, 'redis', 'handler', 'card declined', 1, now() - interval '1 hour' FROM generate_series(1, 2500) n`,
      [topic, group],
    );
    const ballast = await suite.start({ brokers: machineBrokers(), messaging: { deadRetentionMs: 600_000 }, outbox: { database: db.database, schema, destinations: {} } });
    const subscription = ballast.subscribe(topic, { group, maxAttempts: 1 }, () => {
      throw new Error('card declined');
    });
    await subscription.ready();
    const { id } = await ballast.publish(topic, { orderId: 'fresh' });
    await until(() => subscription.stats().dead === 1, 10_000, 'the fresh message to die');
    const dead = async (): Promise<string[]> => (await db.query(`SELECT id FROM ${schema}.message_dead WHERE topic = $1`, [topic])).map((r) => r.id as string);
    await eventually(async () => (await dead()).length === 1, 15_000, 'the old dead messages to be pruned');
    expect(await dead()).toEqual([id]);
  });

  it('stores dead messages in the database, so they outlive the instance and every instance lists them', async () => {
    const topic = uniqueTopic();
    const schema = uniqueName('mq');
    const first = await instance(schema);
    // Both dedupe modes: with an outbox database, a dead message is never kept only in one process's memory.
    const failing = first.subscribe(topic, { group: uniqueGroup(), maxAttempts: 1 }, () => {
      throw new Error('card declined');
    });
    const strict = first.subscribe(topic, { group: uniqueGroup(), dedupe: 'postgres', schema: z.object({ totalCents: z.number() }) }, () => {});
    await Promise.all([failing.ready(), strict.ready()]);
    const { id } = await first.publish(topic, { orderId: '9', totalCents: 'lots' });
    await until(() => failing.stats().dead === 1 && strict.stats().dead === 1, 10_000, 'both subscriptions to give up');
    await first.stop();

    const second = await instance(schema);
    const dead = await second.messaging.dead();
    expect(dead.map((d) => [d.group, d.reason])).toEqual(
      expect.arrayContaining([
        [failing.group, 'handler'],
        [strict.group, 'schema'],
      ]),
    );
    expect(dead).toHaveLength(2);
    expect(dead.find((d) => d.reason === 'handler')).toMatchObject({ id, topic, error: 'card declined', attempts: 1, message: { orderId: '9', totalCents: 'lots' } });
  });

  it('dead-letters, without calling the handler, a foreign message holding text jsonb refuses, and stores a handler error holding NUL', async () => {
    const topic = uniqueTopic();
    const schema = uniqueName('mq');
    const ballast = await instance(schema);
    let calls = 0;
    const subscription = ballast.subscribe(topic, { group: uniqueGroup(), maxAttempts: 1 }, (message) => {
      calls++;
      throw new Error(`refused ${String(message.orderId)}\u0000 with a NUL`);
    });
    await subscription.ready();
    // Another publisher's message, straight onto the stream: a lone surrogate, written as JSON writes it.
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      const body = `{"id":"${uuidv7()}","topic":"${topic}","publishedAt":"${new Date().toISOString()}","message":{"name":"\\ud800"}}`;
      await redis.xadd(`ballast:${topic}`, '*', 'id', 'foreign', 'body', body);
      await ballast.publish(topic, { orderId: 'o-1' });
      await until(() => subscription.stats().dead === 2, 10_000, 'both messages to die');
      // Both were recorded, so the broker forgot them: nothing is left pending for the group.
      expect(await redis.xpending(`ballast:${topic}`, subscription.group)).toEqual([0, null, null, null]);
    } finally {
      redis.disconnect();
    }
    expect(calls).toBe(1);
    const dead = await ballast.messaging.dead();
    expect(dead.map((d) => [d.reason, d.error])).toEqual(
      expect.arrayContaining([
        ['malformed', 'not a Ballast message: it contains a lone UTF-16 surrogate (\\ud800), which PostgreSQL jsonb (the dead list) cannot store'],
        ['handler', 'refused o-1\uFFFD with a NUL'],
      ]),
    );
  });
});
