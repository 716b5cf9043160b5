import { describe, expect, it } from 'vitest';
import type { BallastConfigError, InvalidMessageError} from '@ballast/core';
import { createBallast, uuidv7, isInvalidMessageError, isPublishError, type PublishError } from '@ballast/core';
import { until } from '@ballast/testkit';
import { machineBrokers, uniqueGroup, uniqueTopic } from './brokers.js';
import { ballastSuite } from './setup.js';

const rejection = async (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (error: unknown) => error);

describe('publish', () => {
  const suite = ballastSuite();

  it.each([
    [{ nested: { a: 1 } }, 'nested'],
    [{ list: [1, 2] }, 'list'],
    [{ ok: 'yes', ratio: Number.NaN }, 'ratio'],
    [{ big: Number.POSITIVE_INFINITY }, 'big'],
    [{ missing: undefined }, 'missing'],
    [{ when: new Date(0) }, 'when'],
    [{ n: 10n }, 'n'],
    // Text jsonb refuses: such a message could never reach the dead list and would come back from its broker for good.
    [{ ok: 'fine', name: 'a\ud800b' }, 'name'],
    [{ '\udc00': 'x' }, '\udc00'],
    [{ note: 'a\u0000b' }, 'note'],
  ])('rejects %o with InvalidMessageError naming the key, before any broker sees it', async (message, key) => {
    // No broker is even configured: the check happens first.
    const ballast = createBallast({});
    const error = await rejection(ballast.publish('orders.created', message as never));
    expect(isInvalidMessageError(error)).toBe(true);
    expect((error as InvalidMessageError).key).toBe(key);
    expect((error as Error).message).toContain(`"${key}"`);
  });

  it('lets through text jsonb keeps: a surrogate pair, control characters, an escaped backslash before "u0000"', async () => {
    const ballast = createBallast({});
    for (const message of [{ emoji: 'ok \u{1F600}' }, { bell: 'a\u0001b\tc' }, { path: 'C:\\u0000' }]) {
      // No broker is configured: a valid message gets past validation and fails at the choice of broker.
      const error = await rejection(ballast.publish('orders.created', message));
      expect(isInvalidMessageError(error)).toBe(false);
      expect(isPublishError(error)).toBe(true);
    }
  });

  it('rejects a message that is not a plain object, and a topic that no broker could route', async () => {
    const ballast = createBallast({});
    for (const message of [null, [1], 'text', new Map()]) expect(isInvalidMessageError(await rejection(ballast.publish('t', message as never)))).toBe(true);
    for (const topic of ['', 'a b', 'orders.*', 'orders.>', 'a..b']) expect(isInvalidMessageError(await rejection(ballast.publish(topic, {})))).toBe(true);
  });

  it('throws PublishError naming every broker when none is reachable', async () => {
    const ballast = await suite.start({
      brokers: {
        redis: { type: 'redis-streams', url: 'redis://127.0.0.1:1' },
        nats: { type: 'nats-jetstream', servers: 'nats://127.0.0.1:1' },
        rabbit: { type: 'amqp', url: 'amqp://guest:guest@127.0.0.1:1' },
      },
    });
    const error = await rejection(ballast.publish('orders.created', { orderId: '1' }));
    expect(isPublishError(error)).toBe(true);
    expect(Object.keys((error as PublishError).attempts).sort()).toEqual(['nats', 'rabbit', 'redis']);
    expect(ballast.messaging.views()).toEqual({
      redis: expect.objectContaining({ type: 'redis-streams', state: 'down', published: 0 }),
      nats: expect.objectContaining({ type: 'nats-jetstream', state: 'down', published: 0 }),
      rabbit: expect.objectContaining({ type: 'amqp', state: 'down', published: 0 }),
    });
  });

  it('never chooses a drained broker, and chooses it again once undrained', async () => {
    const ballast = await suite.start({ brokers: machineBrokers() });
    const topic = uniqueTopic();
    ballast.messaging.drain('redis', true);
    ballast.messaging.drain('nats', true);
    for (let i = 0; i < 5; i++) expect((await ballast.publish(topic, { i })).broker).toBe('rabbit');
    ballast.messaging.drain('rabbit', true);
    expect(isPublishError(await rejection(ballast.publish(topic, {})))).toBe(true);
    ballast.messaging.drain('nats', false);
    expect((await ballast.publish(topic, {})).broker).toBe('nats');
    expect(ballast.audit.recent().filter((e) => e.action === 'broker.drain')).toHaveLength(4);
  });

  it('lets subscribers absorb the same message arriving through two brokers', async () => {
    const topic = uniqueTopic();
    const ballast = await suite.start({ brokers: machineBrokers() });
    const handled: string[] = [];
    const subscription = ballast.subscribe(topic, { group: uniqueGroup() }, (_m, ctx) => void handled.push(ctx.broker));
    await subscription.ready();
    const id = uuidv7(); // fresh: JetStream itself drops a msgID it saw within its duplicate window
    for (const through of ['redis', 'nats', 'rabbit']) {
      for (const name of ['redis', 'nats', 'rabbit']) ballast.messaging.drain(name, name !== through);
      await ballast.messaging.publish(topic, { orderId: '7' }, id);
    }
    await until(() => subscription.stats().handled + subscription.stats().duplicates === 3, 10_000, 'three deliveries');
    expect(handled).toHaveLength(1);
    expect(subscription.stats()).toMatchObject({ handled: 1, duplicates: 2 });
  });

  it('names the offending field for invalid broker and messaging options', () => {
    const error = (options: unknown) => {
      try {
        createBallast(options as never);
      } catch (e) {
        return e as BallastConfigError;
      }
      throw new Error('no error');
    };
    expect(error({ brokers: { kafka: { type: 'kafka', url: 'x' } } }).field).toBe('brokers.kafka.type');
    expect(error({ brokers: { r: { type: 'redis-streams', url: 'http://x' } } }).field).toBe('brokers.r.url');
    expect(error({ messaging: { publishTimeoutMs: -1 } }).field).toBe('messaging.publishTimeoutMs');
    expect(error({ messaging: { confirmTimeout: 5 } }).field).toBe('messaging.confirmTimeout');
    const ballast = createBallast({});
    expect(() => ballast.subscribe('t', { group: 'has space' }, () => {})).toThrow(/subscribe\.group/);
    expect(() => ballast.subscribe('t', { group: 'g', maxAttempts: 0 }, () => {})).toThrow(/subscribe\.maxAttempts/);
  });
});
