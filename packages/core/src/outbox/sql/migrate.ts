import { runMigrations, type MigrationSet } from '../../migrations/index.js';
import type { Database } from '../store/index.js';
import { migrations } from './migrations.js';

/** The outbox's migrations, recorded in `<schema>.migrations`. */
export const outboxMigrations: MigrationSet = { table: 'migrations', migrations };

/**
 * Brings the outbox tables of `schema` up to date, with any `more` sets (another
 * component keeping tables on the outbox's database) in the same transaction.
 * Returns the outbox migrations applied. See `runMigrations`.
 */
export async function migrate(db: Database, schema: string, more: readonly MigrationSet[] = []): Promise<number[]> {
  const applied = await db.transaction((tx) => runMigrations(tx, schema, [outboxMigrations, ...more]));
  return applied[outboxMigrations.table] ?? [];
}
