import type { SqlClient } from '../store/index.js';
import type { DestinationStats } from '../types.js';

export type StatsRow = DestinationStats & { destination: string };

/** Counts per destination, ages on the database clock. Destinations without rows are absent. */
export async function readStats(client: SqlClient, schema: string): Promise<StatsRow[]> {
  return client.query<StatsRow>(
    `WITH counts AS (
       SELECT destination,
         count(*) FILTER (WHERE state = 'pending' AND (locked_by IS NULL OR run_at <= now()))::int AS pending,
         count(*) FILTER (WHERE state = 'pending' AND locked_by IS NOT NULL AND run_at > now())::int AS in_flight,
         count(*) FILTER (WHERE state = 'dead')::int AS dead,
         min(created_at) FILTER (WHERE state = 'pending') AS oldest
       FROM ${schema}.outbox GROUP BY destination
     )
     SELECT coalesce(c.destination, d.name) AS destination,
       coalesce(c.pending, 0) AS pending, coalesce(c.in_flight, 0) AS "inFlight", coalesce(c.dead, 0) AS dead,
       coalesce(floor(extract(epoch FROM now() - c.oldest) * 1000), 0)::float8 AS "oldestPendingAgeMs",
       coalesce(d.delivered, 0)::float8 AS delivered, coalesce(d.paused, false) AS paused
     FROM counts c FULL JOIN ${schema}.outbox_destinations d ON d.name = c.destination`,
  );
}
