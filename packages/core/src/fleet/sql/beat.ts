import type { AssertStatus } from '../../asserts/index.js';
import { table, type Queryable } from './types.js';

export interface Beat {
  id: string;
  stage: string;
  appVersion: string | null;
  health: AssertStatus;
  intervalMs: number;
  /** How long this instance has run, from a monotonic clock: the start time is placed on the database clock. */
  uptimeMs: number;
}

/** Records one heartbeat: inserts the instance on its first beat, refreshes it on the others. */
export async function recordBeat(client: Queryable, schema: string, beat: Beat): Promise<void> {
  await client.query(
    `INSERT INTO ${table(schema, 'fleet_instances')} (id, stage, app_version, health, interval_ms, started_at, last_seen_at)
     VALUES ($1, $2, $3, $4, $5, now() - $6::double precision * interval '1 millisecond', now())
     ON CONFLICT (id) DO UPDATE SET stage = EXCLUDED.stage, app_version = EXCLUDED.app_version, health = EXCLUDED.health,
       interval_ms = EXCLUDED.interval_ms, last_seen_at = now()`,
    [beat.id, beat.stage, beat.appVersion, beat.health, beat.intervalMs, beat.uptimeMs],
  );
}
