import type { SqlClient } from '../../outbox/store/index.js';

/**
 * Deletes up to `batch` ids recorded before `retentionMs` ago (database clock),
 * oldest first along the `seen_at` index; returns how many. Rows another
 * instance's pruner holds are skipped, so pruners never wait on each other.
 */
export async function pruneDedupe(client: SqlClient, schema: string, retentionMs: number, batch: number): Promise<number> {
  const rows = await client.query<{ deleted: number }>(
    `WITH old AS (
       SELECT topic, grp, id FROM ${schema}.message_dedupe
       WHERE seen_at < now() - $1 * interval '1 millisecond'
       ORDER BY seen_at LIMIT $2
       FOR UPDATE SKIP LOCKED
     ), deleted AS (
       DELETE FROM ${schema}.message_dedupe d USING old
       WHERE d.topic = old.topic AND d.grp = old.grp AND d.id = old.id
       RETURNING 1
     )
     SELECT count(*)::int AS deleted FROM deleted`,
    [retentionMs, batch],
  );
  return rows[0]?.deleted ?? 0;
}
