import { randomBytes } from 'node:crypto';
import { createBallast, type Ballast } from '@ballast/core';
import { expressHarness, koaHarness, type RunningApp } from '@ballast/testkit';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';

const REDIS_URL = process.env.REDIS_URL;
const reason = 'needs a Redis server: set REDIS_URL (.ci/run does)';
if (!REDIS_URL) console.warn(`test/fleet/adapters.test.ts skipped: ${reason}`);

describe.skipIf(!REDIS_URL).each([expressHarness, koaHarness])(`a fleet-scoped limit through $name${!REDIS_URL ? ` (skipped without REDIS_URL: ${reason})` : ''}`, (harness) => {
  let ballast: Ballast | undefined;
  let app: RunningApp | undefined;

  afterEach(async () => {
    await app?.close();
    await ballast?.stop();
  });

  it('admits the shared burst, then sheds with 503 rate and Retry-After; local routes are untouched', async () => {
    ballast = createBallast({
      limits: {
        shared: { maxConcurrent: 100, ratePerSecond: 0.01, burst: 3, scope: 'fleet', onStoreDown: 'closed' },
        local: { maxConcurrent: 100 },
      },
      // A generous Redis timeout: on a loaded machine the 100 ms default can time out, and onStoreDown 'closed' would shed.
      fleet: { redis: REDIS_URL as string, redisTimeoutMs: 5000, redisKeyPrefix: `ballast-test-${randomBytes(4).toString('hex')}:` },
    });
    await ballast.start();
    app = await harness.start(ballast, {
      routes: [
        { method: 'get', path: '/shared', limits: ['shared'], handler: () => ({ body: { ok: true } }) },
        { method: 'get', path: '/local', limits: ['local'], handler: () => ({ body: { ok: true } }) },
      ],
    });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await request(app.server).get('/shared')).status);
    expect(statuses).toEqual([200, 200, 200, 503, 503]);
    const shed = await request(app.server).get('/shared');
    expect(shed.body).toEqual({ error: 'overloaded', limit: 'shared', reason: 'rate' });
    expect(Number(shed.headers['retry-after'])).toBeGreaterThan(50);
    expect((await request(app.server).get('/local')).status).toBe(200);
  });
});
