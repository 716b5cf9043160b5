import type { Database } from '../store/index.js';
import { migrations } from './migrations.js';

/**
 * Brings `schema` up to date. Runs in one transaction under an advisory lock
 * keyed by the schema, so instances starting together apply each migration
 * exactly once and the others wait, then see it applied.
 */
export async function migrate(db: Database, schema: string): Promise<number[]> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`ballast:migrate:${schema}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.migrations (id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const rows = await tx.query<{ id: number }>(`SELECT id FROM ${schema}.migrations`);
    const done = new Set(rows.map((r) => r.id));
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.id)) continue;
      for (const statement of migration.sql(schema)) await tx.query(statement);
      await tx.query(`INSERT INTO ${schema}.migrations (id, name) VALUES ($1, $2)`, [migration.id, migration.name]);
      applied.push(migration.id);
    }
    return applied;
  });
}
