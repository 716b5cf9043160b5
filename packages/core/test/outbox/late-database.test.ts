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
  /** Open connections to database `db` (only the instance under test connects to it). */
  const connectionsTo = async (db: string): Promise<number> => {
    const client = new pg.Client({ connectionString: server });
    client.on('error', () => {});
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [db]);
      return rows[0]?.n ?? 0;
    } finally {
      await client.end();
    }
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
  it('a start() stopped while the database is missing leaves nothing running, and a later start() delivers once it is there', async () => {
    const late = uniqueName('late2');
    const delivered: OutboundMessage[] = [];
    const ballast = createBallast({
      outbox: { database: withDatabase(server, late), destinations: { d: { deliver: async (m) => void delivered.push(m) } }, worker: { pollIntervalMs: 50 } },
    });
    const events: string[] = [];
    const offCrashed = ballast.events.on('worker:crashed', () => events.push('crashed'));
    const offRestarted = ballast.events.on('worker:restarted', () => events.push('restarted'));
    try {
      // Stopped while start() is under way, then started and stopped once more, all while the database is missing.
      const starting = ballast.start();
      await ballast.stop();
      await starting;
      const crashed = nextEvent(ballast, 'worker:crashed');
      await ballast.start(); // degraded: does not throw
      await crashed;
      await ballast.stop();
      await admin(`CREATE DATABASE ${late}`);
      const seen = events.length;
      await new Promise((r) => setTimeout(r, 1500)); // longer than the worker's longest restart delay (1 s)
      expect(events.length).toBe(seen);
      expect(await connectionsTo(late)).toBe(0);

      await ballast.start();
      await ballast.outbox.enqueue('d', { n: 1 });
      await expect.poll(() => delivered.length, { timeout: 15_000 }).toBe(1);
      await ballast.stop();
      expect(await connectionsTo(late)).toBe(0);
    } finally {
      offCrashed();
      offRestarted();
      await ballast.stop();
      await admin(`DROP DATABASE IF EXISTS ${late} WITH (FORCE)`);
    }
  }, 60_000);
});
