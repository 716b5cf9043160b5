import { table, type Queryable } from './types.js';

/** Removes one instance on its graceful stop, so the list drops it at once rather than after three missed beats. */
export async function removeInstance(client: Queryable, schema: string, id: string): Promise<void> {
  await client.query(`DELETE FROM ${table(schema, 'fleet_instances')} WHERE id = $1`, [id]);
}
