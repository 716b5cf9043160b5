import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpDestination } from '@ballast/core';
import { startReceiver, testBackends, type Receiver } from '@ballast/testkit';
import { outboxSuite } from './setup.js';
import { collect, nextEvent } from './events.js';

describe.each(testBackends())('outbox delivery (%s)', (backend) => {
  const suite = outboxSuite(backend);
  let rx: Receiver;
  beforeEach(async () => {
    rx = await startReceiver();
  });
  afterEach(async () => {
    await rx.close();
  });
  const to = (path = '/events') => ({ deliver: httpDestination(`${rx.url}${path}`, { timeoutMs: 2000 }) });

  it('delivers each message with its idempotency key and metadata headers, then deletes the row', async () => {
    const { ballast, schema } = await suite.start({ destinations: { billing: to() } });
    const a = await ballast.outbox.enqueue('billing', { amount: 1 }, { key: 'acct-1' });
    const b = await ballast.outbox.enqueue('billing', [1, 2, 3]);
    await rx.waitForDelivered(2);
    expect(rx.deliveredKeys()).toEqual(new Set([a.idempotencyKey, b.idempotencyKey]));
    const first = rx.received.find((r) => r.idempotencyKey === a.idempotencyKey);
    expect(first).toMatchObject({ body: { amount: 1 }, destination: 'billing', key: 'acct-1', attempt: 1, path: '/events' });
    expect(first?.headers['content-type']).toBe('application/json');
    expect(rx.received.find((r) => r.idempotencyKey === b.idempotencyKey)?.body).toEqual([1, 2, 3]);
    await expect.poll(() => suite.rows(schema)).toEqual([]);
    await expect.poll(async () => (await ballast.outbox.stats()).billing?.delivered).toBe(2);
  });

  it('retries a failing downstream with backoff, same idempotency key, attempt counted', async () => {
    const { ballast } = await suite.start({ destinations: { billing: to() } });
    const retries = collect(ballast, 'outbox:retry');
    rx.failNext(2, { status: 503 });
    const m = await ballast.outbox.enqueue('billing', { n: 1 });
    await rx.waitForDelivered(1);
    expect(rx.received.map((r) => [r.idempotencyKey, r.attempt, r.status])).toEqual([
      [m.idempotencyKey, 1, 503],
      [m.idempotencyKey, 2, 503],
      [m.idempotencyKey, 3, 200],
    ]);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2]);
    expect(retries.every((r) => r.delayMs > 0 && r.error.includes('503'))).toBe(true);
  });

  it('waits at least Retry-After before the next attempt', async () => {
    const { ballast } = await suite.start({ destinations: { billing: to() } });
    rx.failNext(1, { status: 429, retryAfter: 1 });
    const retry = nextEvent(ballast, 'outbox:retry');
    await ballast.outbox.enqueue('billing', { n: 1 });
    expect((await retry).delayMs).toBeGreaterThanOrEqual(1000);
    const firstAt = Date.now();
    await rx.waitForDelivered(1);
    expect(Date.now() - firstAt).toBeGreaterThanOrEqual(900);
  });

  it('moves a 400 to dead with the error, lists it, and delivers it after a redrive', async () => {
    const { ballast } = await suite.start({ destinations: { billing: to() } });
    rx.failNext(1, { status: 400 });
    const dead = nextEvent(ballast, 'outbox:dead');
    const m = await ballast.outbox.enqueue('billing', { n: 1 }, { key: 'k' });
    expect(await dead).toMatchObject({ id: m.id, attempt: 1 });
    const listed = await ballast.outbox.dead('billing');
    expect(listed).toMatchObject([{ id: m.id, idempotencyKey: m.idempotencyKey, key: 'k', payload: { n: 1 }, attempts: 1 }]);
    expect(listed[0]?.lastError).toContain('400');
    expect((await ballast.outbox.stats()).billing).toMatchObject({ dead: 1, pending: 0 });
    await ballast.outbox.retryDead(m.id);
    await rx.waitForDelivered(1);
    expect(rx.delivered()[0]?.idempotencyKey).toBe(m.idempotencyKey);
    expect(await ballast.outbox.dead()).toEqual([]);
  });

  it('gives up after maxAttempts', async () => {
    const { ballast } = await suite.start({ destinations: { billing: { ...to(), maxAttempts: 3 } } });
    rx.failAlways({ status: 500 });
    const dead = nextEvent(ballast, 'outbox:dead');
    await ballast.outbox.enqueue('billing', {});
    expect(await dead).toMatchObject({ attempt: 3 });
    expect(rx.received).toHaveLength(3);
  });

  it('keeps per-key order under random failures, and a dead message stops holding its key', async () => {
    const { ballast } = await suite.start({ destinations: { billing: to() }, worker: { concurrency: 8, batchSize: 4 } });
    let calls = 0;
    rx.script((req) => {
      calls++;
      if ((req.body as { poison?: boolean }).poison === true) return { status: 422 };
      return calls % 3 === 0 ? { status: 503 } : undefined;
    });
    const keys = ['a', 'b', 'c'];
    for (let i = 0; i < 8; i++) {
      for (const key of keys) await ballast.outbox.enqueue('billing', { key, i, poison: key === 'c' && i === 2 }, { key });
    }
    await rx.waitForDelivered(23, 20_000);
    for (const key of keys) {
      const order = rx.delivered().filter((r) => r.key === key).map((r) => (r.body as { i: number }).i);
      expect(order).toEqual(key === 'c' ? [0, 1, 3, 4, 5, 6, 7] : [0, 1, 2, 3, 4, 5, 6, 7]);
    }
    expect(await ballast.outbox.dead()).toHaveLength(1);
  });

  it('never delivers a message whose transaction rolled back', async () => {
    const { ballast, schema } = await suite.start({ destinations: { billing: to() } });
    // A rolled-back enqueue through the caller's own client.
    await suite.inTransaction(async (client) => {
      await ballast.outbox.enqueue('billing', { n: 'ghost' }, { client });
      throw new Error('business write failed');
    }).catch(() => {});
    await ballast.outbox.enqueue('billing', { n: 'real' });
    await rx.waitForDelivered(1);
    await expect.poll(() => suite.rows(schema)).toEqual([]);
    expect(rx.received.map((r) => r.body)).toEqual([{ n: 'real' }]);
  });
});
