import { afterAll, afterEach, beforeAll } from 'vitest';
import { createBallast, type Ballast, type BallastOptions, type OutboxOptions } from '@ballast/core';
import { createTestDatabase, uniqueName, type Backend, type TestDatabase } from '@ballast/testkit';

/**
 * One database per test file and backend (a fresh PostgreSQL database, or an
 * in-memory PGlite), one schema per Ballast instance, and everything stopped
 * after each test.
 */
export function outboxSuite(backend: Backend) {
  let db: TestDatabase | undefined;
  const running: Ballast[] = [];

  beforeAll(async () => {
    db = await createTestDatabase({ backend });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((b) => b.stop()));
  });
  afterAll(async () => {
    await db?.drop();
  });

  const database = (): TestDatabase => {
    if (db === undefined) throw new Error('the test database is not ready');
    return db;
  };

  return {
    database,
    /** A started Ballast on a fresh schema; stopped after the test. Fast worker settings unless overridden. */
    async start(outbox: OutboxOptions, rest: Omit<BallastOptions, 'outbox'> = {}) {
      const schema = outbox.schema ?? uniqueName('ob');
      const ballast = createBallast({
        ...rest,
        outbox: {
          database: database().database,
          ...outbox,
          schema,
          worker: { pollIntervalMs: 50, backoff: { baseMs: 20, maxMs: 200 }, leaseMs: 5000, ...outbox.worker },
        },
      });
      running.push(ballast);
      await ballast.start();
      return { ballast, schema };
    },
    /** Runs `fn` inside a transaction on the test database, as an application would. */
    inTransaction: <T>(fn: (client: Client) => Promise<T>) => inTransaction(database(), fn),
    /** Rows of the outbox table, for assertions. */
    rows: (schema: string) =>
      database().query(`SELECT id::text AS id, destination, key, state, attempts, locked_by, last_error FROM ${schema}.outbox ORDER BY id`),
  };
}

export type Client = { query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }> };

/** Runs `fn` inside a transaction on the test database, as an application would. */
async function inTransaction<T>(db: TestDatabase, fn: (client: Client) => Promise<T>): Promise<T> {
  if (db.backend === 'pglite') {
    const pglite = db.pglite as unknown as { transaction<R>(f: (tx: Client) => Promise<R>): Promise<R> };
    return pglite.transaction(fn);
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    await client.end();
  }
}
