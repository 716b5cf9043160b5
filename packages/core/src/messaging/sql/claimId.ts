import type { SqlClient } from '../../outbox/store/index.js';

/**
 * Records that `group` handles message `id` of `topic`, inside the handler's
 * transaction. False when it was already recorded: a duplicate. A concurrent
 * claim of the same id (another instance, another broker) waits on the
 * primary key until the first transaction ends, so exactly one commits.
 */
export async function claimId(client: SqlClient, schema: string, topic: string, group: string, id: string): Promise<boolean> {
  const rows = await client.query(
    `INSERT INTO ${schema}.message_dedupe (topic, grp, id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1 AS claimed`,
    [topic, group, id],
  );
  return rows.length === 1;
}
