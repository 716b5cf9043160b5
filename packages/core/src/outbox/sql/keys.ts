import type { SqlClient } from '../store/index.js';

/**
 * Deletes key lease rows (`outbox_keys`) whose lease ended at least `idleMs`
 * ago (freed, or expired with a worker that died): a key that sees no message
 * for a while costs no row. Always safe: such a row is only a lock waiting to
 * be taken, and the next claim of its key inserts it again (a claim racing
 * this waits for it, then inserts). At most
 * `limit` rows per call, so one call stays short however many keys went idle.
 * Returns how many went.
 */
export async function pruneKeyLeases(client: SqlClient, schema: string, idleMs: number, limit = 10_000): Promise<number> {
  const rows = await client.query(
    `DELETE FROM ${schema}.outbox_keys k USING (
       SELECT destination, key FROM ${schema}.outbox_keys
       WHERE leased_until < now() - $1 * interval '1 millisecond'
       LIMIT $2 FOR UPDATE SKIP LOCKED
     ) idle
     WHERE k.destination = idle.destination AND k.key = idle.key
     RETURNING 1`,
    [idleMs, limit],
  );
  return rows.length;
}
