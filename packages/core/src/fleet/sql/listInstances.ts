import { toInstance, type FleetInstance } from './instanceRow.js';
import { table, type Queryable } from './types.js';

/** How many heartbeats an instance may miss before it no longer counts as live. */
export const MISSED_BEATS = 3;

/** The live instances (seen within three of their own heartbeat intervals, by the database clock), by stage and id. */
export async function listInstances(client: Queryable, schema: string): Promise<FleetInstance[]> {
  const { rows } = await client.query(
    `SELECT id, stage, app_version, health, started_at, last_seen_at FROM ${table(schema, 'fleet_instances')}
      WHERE last_seen_at > now() - ${MISSED_BEATS} * interval_ms * interval '1 millisecond'
      ORDER BY stage, id`,
  );
  return rows.map(toInstance);
}
