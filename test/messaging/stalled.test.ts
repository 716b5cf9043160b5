import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBallast, isPublishError, type Ballast, type PublishError } from '@ballast/core';
import { until } from '@ballast/testkit';
import { startRedis, type BrokerProcess } from './support/brokerProcess.js';

// A broker that keeps its connections open but stops answering (SIGSTOP): only the confirm deadline notices it.
describe('a broker that stops answering', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-stalled-'));
  const nats = { type: 'nats-jetstream', servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' } as const;
  let redis: BrokerProcess;
  const running: Ballast[] = [];
  const start = async (options: Parameters<typeof createBallast>[0]): Promise<Ballast> => {
    const ballast = createBallast(options);
    running.push(ballast);
    await ballast.start();
    return ballast;
  };

  beforeAll(async () => {
    redis = await startRedis(join(dir, 'redis'));
  });
  afterEach(async () => {
    redis.pause('SIGCONT');
    await Promise.all(running.splice(0).map((b) => b.stop()));
  });
  afterAll(async () => {
    await redis.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('is left after confirmTimeoutMs for the next broker, and the copy it stores late reaches the handler once', async () => {
    const topic = `stalled.${Date.now().toString(36)}`;
    // Listed first and untried, the Redis broker is the first choice.
    const ballast = await start({ brokers: { redis: { type: 'redis-streams', url: redis.url }, nats }, messaging: { confirmTimeoutMs: 300, publishTimeoutMs: 5000 } });
    const handled: string[] = [];
    const subscription = ballast.subscribe(topic, { group: 'stalled' }, (_message, ctx) => void handled.push(ctx.broker));
    await subscription.ready();

    redis.pause('SIGSTOP');
    const receipt = await ballast.publish(topic, { orderId: '1' });
    expect(receipt.broker).toBe('nats');
    expect(ballast.messaging.view('redis').lastError).toMatch(/not confirmed within \d+ ms/);

    // NATS's copy is handled while Redis is still stopped (so the order below is fixed, not a race).
    await until(() => subscription.stats().handled === 1, 15_000, "NATS's copy");
    // Woken up, Redis stores the XADD it never confirmed in time: the subscriber sees the id twice and handles it once.
    redis.pause('SIGCONT');
    await until(() => subscription.stats().handled + subscription.stats().duplicates === 2, 15_000, 'both copies');
    expect(handled).toEqual(['nats']);
    expect(subscription.stats()).toMatchObject({ handled: 1, duplicates: 1 });
  });

  it('throws PublishError with the timeout as the reason when it is the only broker', async () => {
    const ballast = await start({ brokers: { redis: { type: 'redis-streams', url: redis.url } }, messaging: { confirmTimeoutMs: 200, publishTimeoutMs: 5000 } });
    redis.pause('SIGSTOP');
    const error = await ballast.publish('stalled.only', { orderId: '2' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPublishError(error)).toBe(true);
    expect((error as PublishError).attempts.redis).toMatch(/not confirmed within \d+ ms/);
  });
});
