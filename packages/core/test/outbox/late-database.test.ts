import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createBallast, isOutboxUnavailableError, type OutboundMessage } from '@ballast/core';
import { needsEnv, uniqueName, withDatabase } from '@ballast/testkit';
import { nextEvent } from './events.js';

// A database that does not exist yet stands in for one that is down at boot.
const server = needsEnv(['DATABASE_URL'], 'only a PostgreSQL server can be missing at start and appear later');
describe.skipIf(server.skip)(server.title('an outbox whose database is missing at start (postgres)'), () => {
  const server = process.env.DATABASE_URL as string;
  const name = uniqueName('late');
  const admin = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: server });
    client.on('error', () => {});
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  afterAll(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));

  it('starts degraded (enqueue answers unavailable, the worker restarts), then works once the database appears', async () => {
    const calls: OutboundMessage[] = [];
    const ballast = createBallast({
      outbox: { database: withDatabase(server, name), destinations: { d: { deliver: async (m) => void calls.push(m) } }, worker: { pollIntervalMs: 50 } },
    });
    const crashed = nextEvent(ballast, 'worker:crashed');
    await ballast.start(); // does not throw
    await crashed;
    expect(isOutboxUnavailableError(await ballast.outbox.enqueue('d', {}).catch((e: unknown) => e))).toBe(true);

    await admin(`CREATE DATABASE ${name}`);
    await expect.poll(() => ballast.outbox.enqueue('d', { n: 1 }).then(() => true, () => false), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => calls.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    await ballast.stop();
  }, 60_000);
});
