import { runMigrations, type MigrationSet } from '../../migrations/index.js';
import { fleetMigrations } from './migrations.js';
import { table, type Queryable } from './types.js';

/** The fleet's migrations as a set for the shared runner, recorded in `<schema>.fleet_migrations`. */
export const fleetMigrationSet = (schema: string): MigrationSet => ({
  table: 'fleet_migrations',
  migrations: fleetMigrations.map((m) => ({ id: m.id, name: m.name, sql: () => m.sql((name) => table(schema, name)) })),
});

/**
 * Brings the fleet tables of `schema` up to date in one transaction on `client`,
 * through the shared runner (one advisory lock per schema, shared with the
 * outbox, so both starting at once on a fresh database never collide).
 * Returns the ids applied.
 */
export async function migrateFleet(client: Queryable, schema: string): Promise<number[]> {
  const tx = { query: async (text: string, params?: readonly unknown[]) => (await client.query(text, params === undefined ? undefined : [...params])).rows };
  await client.query('BEGIN');
  try {
    const applied = await runMigrations(tx, schema, [fleetMigrationSet(schema)]);
    await client.query('COMMIT');
    return applied.fleet_migrations ?? [];
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
