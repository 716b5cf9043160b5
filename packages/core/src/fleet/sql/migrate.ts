import { table, type Queryable } from './types.js';

/**
 * Creates the fleet tables if missing. Several instances may start at once, so the
 * DDL runs under a transaction-scoped advisory lock (CREATE ... IF NOT EXISTS alone
 * can still collide on the catalog).
 */
export async function migrateFleet(client: Queryable, schema: string): Promise<void> {
  const settings = table(schema, 'fleet_settings');
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('ballast.fleet.migrate'))`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    // Versions come from one sequence: they order every change fleet-wide without any instance's clock.
    await client.query(`CREATE SEQUENCE IF NOT EXISTS ${table(schema, 'fleet_version_seq')}`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${settings} (
        kind text NOT NULL,
        name text NOT NULL,
        patch jsonb,
        version bigint NOT NULL,
        actor text NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (kind, name)
      )`);
    await client.query(`CREATE INDEX IF NOT EXISTS fleet_settings_version ON ${settings} (version)`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${table(schema, 'fleet_changes')} (
        version bigint PRIMARY KEY,
        kind text NOT NULL,
        name text NOT NULL,
        action text NOT NULL,
        actor text NOT NULL,
        before jsonb,
        after jsonb,
        changed_at timestamptz NOT NULL
      )`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
