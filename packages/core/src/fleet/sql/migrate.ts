import { fleetMigrations } from './migrations.js';
import { table, type Queryable } from './types.js';

/**
 * Brings the fleet tables of `schema` up to date. Several instances may start at
 * once, so it runs in one transaction under an advisory lock: each migration is
 * applied exactly once, and the others wait, then see it applied. Returns the ids applied.
 */
export async function migrateFleet(client: Queryable, schema: string): Promise<number[]> {
  const t = (name: string): string => table(schema, name);
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('ballast.fleet.migrate'))`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${t('fleet_migrations')} (id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query(`SELECT id FROM ${t('fleet_migrations')}`);
    const done = new Set(rows.map((r) => Number(r.id)));
    const applied: number[] = [];
    for (const migration of fleetMigrations) {
      if (done.has(migration.id)) continue;
      for (const statement of migration.sql(t)) await client.query(statement);
      await client.query(`INSERT INTO ${t('fleet_migrations')} (id, name) VALUES ($1, $2)`, [migration.id, migration.name]);
      applied.push(migration.id);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
