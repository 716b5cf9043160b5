import { table, type Queryable } from './types.js';

/**
 * Deletes the rows of instances not seen for `olderThanMs` (killed without a goodbye),
 * so the table stays as small as the fleet. Run by each instance when it starts.
 */
export async function pruneInstances(client: Queryable, schema: string, olderThanMs: number): Promise<void> {
  await client.query(
    `DELETE FROM ${table(schema, 'fleet_instances')} WHERE last_seen_at < now() - $1::double precision * interval '1 millisecond'`,
    [olderThanMs],
  );
}
