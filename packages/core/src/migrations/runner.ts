/**
 * The one migration runner of Ballast's PostgreSQL tables (outbox, fleet, and
 * any component that keeps tables beside them). Each component brings a list
 * of numbered migrations and the table that records the applied ones; every
 * component of a schema migrates under one advisory lock keyed by the schema,
 * with one `CREATE SCHEMA`, so instances and components starting together on a
 * fresh database never collide on the catalog: one applies each migration
 * exactly once, the others wait, then see it applied.
 */

/** One numbered migration. Never edit a released one: add the next number. */
export interface Migration {
  id: number;
  name: string;
  /** Statements, run one by one (PGlite prepares each, and a prepared statement holds one command). */
  sql(schema: string): string[];
}

/** A component's migrations and the table (in the schema) that records which are applied. */
export interface MigrationSet {
  /** Name of the bookkeeping table, e.g. `migrations` (outbox) or `fleet_migrations`. */
  table: string;
  migrations: readonly Migration[];
}

/** Runs one statement inside the caller's transaction; rows come back as plain objects. */
export interface MigrationClient {
  query(text: string, params?: readonly unknown[]): Promise<readonly Record<string, unknown>[]>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Applies what is missing of each set, in order, inside the caller's open
 * transaction (the lock is transaction-scoped: commit or roll back to release
 * it). Returns the ids applied per table.
 */
export async function runMigrations(tx: MigrationClient, schema: string, sets: readonly MigrationSet[]): Promise<Record<string, number[]>> {
  if (!IDENTIFIER.test(schema)) throw new Error(`migrations: invalid schema name ${JSON.stringify(schema)}`);
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`ballast:migrate:${schema}`]);
  await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  const applied: Record<string, number[]> = {};
  for (const set of sets) {
    if (!IDENTIFIER.test(set.table)) throw new Error(`migrations: invalid table name ${JSON.stringify(set.table)}`);
    const book = `${schema}.${set.table}`;
    await tx.query(`CREATE TABLE IF NOT EXISTS ${book} (id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await tx.query(`SELECT id FROM ${book}`)).map((r) => Number(r.id)));
    const ids: number[] = [];
    for (const migration of set.migrations) {
      if (done.has(migration.id)) continue;
      for (const statement of migration.sql(schema)) await tx.query(statement);
      await tx.query(`INSERT INTO ${book} (id, name) VALUES ($1, $2)`, [migration.id, migration.name]);
      ids.push(migration.id);
    }
    applied[set.table] = ids;
  }
  return applied;
}
