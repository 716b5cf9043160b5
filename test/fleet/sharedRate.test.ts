import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@ballast/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCoreBuilt, startInstance, type Instance } from './support/instances.js';

const missing = [!process.env.DATABASE_URL && 'DATABASE_URL', !process.env.REDIS_URL && 'REDIS_URL'].filter(Boolean);
const reason = 'needs PostgreSQL and Redis servers shared by several processes: set DATABASE_URL and REDIS_URL (.ci/run does)';
if (missing.length > 0) console.warn(`test/fleet/sharedRate.test.ts skipped: ${reason}; missing: ${missing.join(', ')}`);

const RATE = { ratePerSecond: 0.5, burst: 60, onStoreDown: 'closed' as const };
const PER_INSTANCE = 50;

describe.skipIf(missing.length > 0)(`a fleet-wide rate over instance processes${missing.length > 0 ? ` (skipped unless both are set: ${reason})` : ''}`, () => {
  let db: TestDatabase & { backend: 'postgres' };
  const instances: Instance[] = [];

  beforeAll(() => assertCoreBuilt());

  afterEach(async () => {
    await Promise.all(instances.splice(0).map((i) => i.kill()));
    await db?.drop();
  });

  it('admits the configured total across 3 instances (within 10%), not 3 times it', async () => {
    db = (await createTestDatabase({ backend: 'postgres' })) as TestDatabase & { backend: 'postgres' };
    const redisKeyPrefix = `ballast-test-${randomBytes(4).toString('hex')}:`;
    for (const name of ['a', 'b', 'c']) {
      instances.push(await startInstance(name, { database: db.url, redis: process.env.REDIS_URL as string, redisKeyPrefix, sharedRate: RATE }));
    }
    const started = performance.now();
    const results = await Promise.all(
      instances.flatMap((i) => Array.from({ length: PER_INSTANCE }, () => i.hit('/shared'))),
    );
    const elapsedSeconds = (performance.now() - started) / 1000;
    const admitted = results.filter((r) => r.status === 200).length;
    const shed = results.filter((r) => r.status === 503 && r.reason === 'rate').length;
    // The burst, plus what the bucket refilled while the requests were in flight.
    const expected = RATE.burst + RATE.ratePerSecond * elapsedSeconds;
    console.info(`shared rate: ${admitted} of ${3 * PER_INSTANCE} admitted across 3 instances; expected ${expected.toFixed(1)}`);
    expect(admitted + shed).toBe(3 * PER_INSTANCE);
    expect(Math.abs(admitted - expected)).toBeLessThanOrEqual(expected * 0.1);
  }, 60_000);
});
