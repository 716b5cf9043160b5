import { randomBytes } from 'node:crypto';
import { Gate, createBallast, isBallastConfigError, type Ballast, type BallastOptions, type Shed } from '@ballast/core';
import { isShed } from '@ballast/core/adapter';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';

const REDIS_URL = process.env.REDIS_URL;
const reason = 'needs a Redis server: set REDIS_URL (.ci/run does)';
if (!REDIS_URL) console.warn(`packages/core/test/fleet/rate.test.ts: the shared-bucket tests are skipped: ${reason}`);

const PROCEED = 'admitted';

/** Admits one request through `gate` and waits for the verdict; an admitted request keeps its slots (the test never ends it). */
async function enter(gate: Gate): Promise<typeof PROCEED | Shed> {
  const admission = gate.admit();
  if (typeof admission === 'function') return PROCEED;
  const outcome = isShed(admission) ? admission : await admission.admitted;
  if (outcome === false) throw new Error('nobody released this request');
  return outcome === true ? PROCEED : outcome;
}

const shared = (onStoreDown: 'open' | 'closed') => ({
  maxConcurrent: 1000,
  ratePerSecond: 0.01,
  burst: 10,
  scope: 'fleet' as const,
  onStoreDown,
});

describe('fleet-scoped rates', () => {
  const instances: Ballast[] = [];
  afterEach(async () => {
    for (const b of instances.splice(0)) await b.stop();
  });

  async function instance(options: BallastOptions): Promise<Ballast> {
    const b = createBallast(options);
    instances.push(b);
    await b.start();
    return b;
  }

  it('refuses a fleet scope without Redis, and without an explicit onStoreDown, naming the field', () => {
    const noRedis = () => createBallast({ limits: { s: shared('open') } });
    expect(noRedis).toThrow(expect.objectContaining({ field: 'limits.s.scope' }));
    const { onStoreDown: _, ...undecided } = shared('open');
    let error: unknown;
    try {
      createBallast({ limits: { s: undecided }, fleet: { redis: 'redis://127.0.0.1:1' } });
    } catch (e) {
      error = e;
    }
    expect(isBallastConfigError(error) && error.field).toBe('limits.s.onStoreDown');
  });

  it('keeps local limits on the synchronous gate, and refuses to change a scope at runtime', async () => {
    const b = await instance({ limits: { api: { maxConcurrent: 2 } }, fleet: { redis: 'redis://127.0.0.1:1', redisTimeoutMs: 10 } });
    const gate = b.limits.gate(['api']);
    expect(gate.constructor).toBe(Gate);
    expect(typeof gate.admit()).toBe('function');
    expect(() => b.limits.update('api', { scope: 'fleet' })).toThrow(expect.objectContaining({ field: 'scope' }));
    // Redis alone shares rates, not settings: views and retunes stay those of one instance.
    expect(b.limits.update('api', { maxConcurrent: 3 })).toMatchObject({ version: 2, settings: { maxConcurrent: 3 } });
    expect(b.limits.view('api').source).toBeUndefined();
  });

  it('follows onStoreDown while Redis is unreachable, and says so with fleet:store-down', async () => {
    const b = await instance({
      limits: { closedWhenDown: shared('closed'), openWhenDown: shared('open') },
      fleet: { redis: 'redis://127.0.0.1:1', redisTimeoutMs: 10 },
    });
    const down: unknown[] = [];
    b.events.on('fleet:store-down', (e) => down.push(e));
    const shed = (await enter(b.limits.gate(['closedWhenDown']))) as Shed;
    expect(shed).toMatchObject({ limit: 'closedWhenDown', reason: 'rate', retryAfterSeconds: 1 });
    expect(await enter(b.limits.gate(['openWhenDown']))).toBe(PROCEED);
    expect(down).toEqual([expect.objectContaining({ store: 'redis' })]);
    expect(b.limits.get('closedWhenDown').stats.shedByReason.rate).toBe(1);
  });

  describe.skipIf(!REDIS_URL)(`with Redis${!REDIS_URL ? ` (skipped without REDIS_URL: ${reason})` : ''}`, () => {
    it('shares one bucket between instances: the burst is admitted once across both, then both shed with rate', async () => {
      const prefix = `ballast-test-${randomBytes(4).toString('hex')}:`;
      const options = { limits: { s: shared('closed') }, fleet: { redis: REDIS_URL as string, redisKeyPrefix: prefix } };
      const [a, b] = [await instance(options), await instance(options)];
      const admitted = { a: 0, b: 0 };
      for (let i = 0; i < 8; i++) if ((await enter(a.limits.gate(['s']))) === PROCEED) admitted.a++;
      for (let i = 0; i < 8; i++) if ((await enter(b.limits.gate(['s']))) === PROCEED) admitted.b++;
      expect(admitted).toEqual({ a: 8, b: 2 });
      const shed = (await enter(a.limits.gate(['s']))) as Shed;
      expect(shed.reason).toBe('rate');
      // One token per 100 s at 0.01/s: Retry-After says so.
      expect(shed.retryAfterSeconds).toBeGreaterThan(50);
    });

    it('uses an ioredis client it is given, and leaves it open on stop', async () => {
      const client = new Redis(REDIS_URL as string);
      try {
        const prefix = `ballast-test-${randomBytes(4).toString('hex')}:`;
        const b = createBallast({ limits: { s: { ...shared('closed'), burst: 1 } }, fleet: { redis: client, redisKeyPrefix: prefix } });
        await b.start();
        expect(await enter(b.limits.gate(['s']))).toBe(PROCEED);
        expect(await enter(b.limits.gate(['s']))).toMatchObject({ reason: 'rate' });
        await b.stop();
        expect(await client.ping()).toBe('PONG');
      } finally {
        await client.quit();
      }
    });

    it('gives the token back when a local stage sheds the request at once', async () => {
      const prefix = `ballast-test-${randomBytes(4).toString('hex')}:`;
      const b = await instance({
        limits: { s: { ...shared('closed'), burst: 1 }, tight: { maxConcurrent: 0 } },
        fleet: { redis: REDIS_URL as string, redisKeyPrefix: prefix },
      });
      // `tight` is closed: the request is shed after taking the only fleet token, which must come back.
      expect(await enter(b.limits.gate(['s', 'tight']))).toMatchObject({ reason: 'closed' });
      // The refund is fire-and-forget: poll until the token is back (a failed take spends nothing).
      const deadline = Date.now() + 5000;
      while ((await enter(b.limits.gate(['s']))) !== PROCEED) {
        if (Date.now() > deadline) throw new Error('the fleet token never came back');
      }
    });
  });
});
