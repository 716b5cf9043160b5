import type { SqlClient } from '../store/index.js';

/**
 * Deletes up to `batch` rows of `table` whose `column` (a timestamp) is more
 * than `retentionMs` ago (database clock), oldest first along that column's
 * index; returns how many. Rows another instance's pruner holds are skipped, so
 * pruners never wait on each other, and each call is a short transaction.
 */
export async function deleteOlderThan(client: SqlClient, table: string, column: string, retentionMs: number, batch: number): Promise<number> {
  const rows = await client.query<{ deleted: number }>(
    `WITH old AS (
       SELECT ctid AS row_id FROM ${table}
       WHERE ${column} < now() - $1 * interval '1 millisecond'
       ORDER BY ${column} LIMIT $2
       FOR UPDATE SKIP LOCKED
     ), deleted AS (
       DELETE FROM ${table} t USING old WHERE t.ctid = old.row_id
       RETURNING 1
     )
     SELECT count(*)::int AS deleted FROM deleted`,
    [retentionMs, batch],
  );
  return rows[0]?.deleted ?? 0;
}

/** Forgets the delivered idempotency keys (`outbox_delivered`) recorded more than `retentionMs` ago, up to `batch` of them. */
export const pruneDeliveredKeys = (client: SqlClient, schema: string, retentionMs: number, batch: number): Promise<number> =>
  deleteOlderThan(client, `${schema}.outbox_delivered`, 'delivered_at', retentionMs, batch);
