import type { SqlClient } from '../../outbox/store/index.js';

/** Forgets handled ids older than `retentionMs` (database clock); a publisher's retries end long before. */
export async function pruneIds(client: SqlClient, schema: string, retentionMs: number): Promise<void> {
  await client.query(`DELETE FROM ${schema}.message_dedupe WHERE seen_at < now() - make_interval(secs => $1::float8 / 1000)`, [retentionMs]);
}
