import type { AssertStatus } from '../../asserts/index.js';

/** One live instance as `GET /fleet/instances` lists it. Times are ISO-8601 from the database clock. */
export interface FleetInstance {
  id: string;
  /** The instance's ring (`stage` option). */
  stage: string;
  /** The deployed version (`appVersion` option, else the app's package.json); `null` when unknown. */
  appVersion: string | null;
  startedAt: string;
  lastSeenAt: string;
  /** Its `/health` verdict at the last heartbeat. */
  health: AssertStatus;
}

export function toInstance(raw: Record<string, unknown>): FleetInstance {
  return {
    id: raw.id as string,
    stage: raw.stage as string,
    appVersion: (raw.app_version as string | null) ?? null,
    startedAt: (raw.started_at as Date).toISOString(),
    lastSeenAt: (raw.last_seen_at as Date).toISOString(),
    health: raw.health as AssertStatus,
  };
}
