import { createRequire } from 'node:module';
import type { OutboxOptions } from '@ballast/core';
import type { TestDatabase } from '@ballast/testkit';

/** A transaction handle that `enqueue({ client })` accepts, with the caller's own commit or rollback. */
export interface CallerTransaction {
  client: { query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }> };
  /** Ends the transaction: COMMIT when `commit`, ROLLBACK otherwise. */
  finish(commit: boolean): Promise<void>;
}

interface PgClient {
  connect(): Promise<void>;
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  end(): Promise<void>;
}
interface PGliteTx {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  rollback(): Promise<void>;
}
interface PGliteLike {
  transaction<T>(fn: (tx: PGliteTx) => Promise<T>): Promise<T>;
}

// pg is a dependency of @ballast/core, not of the root: borrow it from there (as testkit does).
const requireFromCore = createRequire(new URL('../../../packages/core/package.json', import.meta.url));

/** What `outbox.database` gets for a test database. */
export function databaseOption(db: TestDatabase): NonNullable<OutboxOptions['database']> {
  return db.backend === 'postgres' ? db.url : (db.pglite as unknown as NonNullable<OutboxOptions['database']>);
}

/**
 * Opens a transaction the way an application does: a `pg` client with BEGIN on
 * PostgreSQL, `pglite.transaction()` on PGlite.
 */
export async function beginTransaction(db: TestDatabase): Promise<CallerTransaction> {
  if (db.backend === 'postgres') {
    const pg = requireFromCore('pg') as { Client: new (c: { connectionString: string }) => PgClient };
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query('BEGIN');
    return {
      client,
      finish: async (commit) => {
        await client.query(commit ? 'COMMIT' : 'ROLLBACK');
        await client.end();
      },
    };
  }
  // PGlite runs the callback as the transaction; hold it open until finish() decides.
  const pglite = db.pglite as unknown as PGliteLike;
  let handle!: PGliteTx;
  let decide!: (commit: boolean) => void;
  const decided = new Promise<boolean>((resolve) => (decide = resolve));
  let opened!: () => void;
  const ready = new Promise<void>((resolve) => (opened = resolve));
  const done = pglite.transaction(async (tx) => {
    handle = tx;
    opened();
    if (!(await decided)) await tx.rollback();
  });
  await ready;
  return {
    client: { query: (text, params) => handle.query(text, params) },
    finish: async (commit) => {
      decide(commit);
      await done;
    },
  };
}

/** A small deterministic PRNG, so a failing random-failure run can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
