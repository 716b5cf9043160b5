import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import type { DatabaseOption } from '@ballast/core';

/**
 * Test databases for the outbox: a fresh PostgreSQL database per caller when
 * `DATABASE_URL` is set (CI), an in-memory PGlite otherwise. Both are real
 * PostgreSQL; nothing here is a mock.
 */

/** The query surface shared by pg.Pool, pg.Client and PGlite. */
export interface Queryable {
  query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** A PGlite instance, typed by what tests use; pass it as `outbox.database`. */
export interface PGliteHandle extends Queryable {
  close(): Promise<void>;
  readonly closed: boolean;
}

export type Backend = 'postgres' | 'pglite';

interface TestDatabaseBase {
  /** Runs one statement as an administrator of this database (for assertions and setup). */
  query(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** What to pass as `outbox.database`: the connection string, or the PGlite instance. */
  database: DatabaseOption;
  /** Closes every connection this helper opened and removes the database. Idempotent. */
  drop(): Promise<void>;
}

export type TestDatabase =
  | (TestDatabaseBase & { backend: 'postgres'; /** Connection string of the new database. */ url: string; name: string })
  | (TestDatabaseBase & { backend: 'pglite'; pglite: PGliteHandle });

// pg and PGlite are (dev) dependencies of @ballast/core, optional peers for its users; the private testkit borrows them from there.
const requireFromCore = createRequire(new URL('../../core/package.json', import.meta.url));

interface PgClient extends Queryable {
  connect(): Promise<void>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}
interface PgModule {
  Client: new (config: { connectionString: string }) => PgClient;
  Pool: new (config: { connectionString: string; max?: number }) => PgClient;
}

/** The backends a suite should run against: PGlite always, PostgreSQL too when `DATABASE_URL` is set. */
export function testBackends(): Backend[] {
  return process.env.DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

/** A fresh name for a schema or database, safe to interpolate into SQL. */
export function uniqueName(prefix = 'ballast_t'): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** `url` with its database name replaced. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Creates an empty database: a new PostgreSQL database on the server of
 * `DATABASE_URL`, or an in-memory PGlite. `backend` defaults to PostgreSQL when
 * `DATABASE_URL` is set.
 *
 * @example
 * const db = await createTestDatabase();
 * const ballast = createBallast({ outbox: { database: db.backend === 'postgres' ? db.url : db.pglite, ... } });
 * afterAll(() => db.drop());
 */
export async function createTestDatabase(options: { backend?: Backend } = {}): Promise<TestDatabase> {
  const backend = options.backend ?? (process.env.DATABASE_URL ? 'postgres' : 'pglite');
  return backend === 'postgres' ? createPostgresDatabase() : createPGliteDatabase();
}

async function createPGliteDatabase(): Promise<TestDatabase> {
  const { PGlite } = requireFromCore('@electric-sql/pglite') as { PGlite: { create(dataDir: string): Promise<PGliteHandle> } };
  const pglite = await PGlite.create('memory://');
  return {
    backend: 'pglite',
    pglite,
    database: pglite as unknown as DatabaseOption,
    query: async (text, params) => (await pglite.query(text, params)).rows,
    drop: async () => {
      if (!pglite.closed) await pglite.close();
    },
  };
}

async function createPostgresDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('createTestDatabase({ backend: "postgres" }) needs DATABASE_URL');
  const pg = requireFromCore('pg') as PgModule;
  const name = uniqueName();
  await asAdmin(pg, serverUrl, async (admin) => {
    // Concurrent CREATE DATABASE from one template can collide (55006); retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name}`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  });
  const url = withDatabase(serverUrl, name);
  let pool: PgClient | undefined;
  let dropped = false;
  return {
    backend: 'postgres',
    url,
    name,
    database: url,
    query: async (text, params) => {
      if (pool === undefined) {
        pool = new pg.Pool({ connectionString: url, max: 2 });
        // A server restart in a fault test must not crash the test process.
        pool.on('error', () => {});
      }
      return (await pool.query(text, params)).rows;
    },
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await pool?.end();
      await asAdmin(pg, serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function asAdmin<T>(pg: PgModule, url: string, fn: (client: PgClient) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
