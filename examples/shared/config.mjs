// The Ballast configuration both examples share.
import { createBallast, httpDestination } from '@ballast/core';

export function createExampleBallast({ adminToken, billingUrl }) {
  return createBallast({
    limits: {
      api: { maxConcurrent: 64, maxQueue: 128, queueTimeoutMs: 2000 },
      search: { maxConcurrent: 2, maxQueue: 3, queueTimeoutMs: 1500 },
    },
    dependencies: {
      profiles: { timeoutMs: 300, errorThresholdPercentage: 50, volumeThreshold: 3, resetTimeoutMs: 1000 },
    },
    outbox: {
      // Unset: embedded PostgreSQL (PGlite) under .ballast/ — no server needed.
      ...(process.env.DATABASE_URL ? { database: process.env.DATABASE_URL } : {}),
      destinations: { billing: { deliver: httpDestination(`${billingUrl}/events`), breaker: { resetTimeoutMs: 1000 } } },
      worker: { pollIntervalMs: 200, backoff: { baseMs: 200, maxMs: 1000 } },
    },
    asserts: { profileLatency: 'p99(latency, /profile/:id) < 250ms' },
    // Staged rollout: this instance serves the 'beta' ring (set BALLAST_STAGE per deployment).
    stage: process.env.BALLAST_STAGE ?? 'beta',
    // The sticky key of a request: its account. (A ring would come from trusted data, never a client header.)
    rollout: { cohort: (request) => ({ key: request.header('x-account-id') }) },
    flags: {
      // Ships dark to everyone but 'internal'; each promotion is watched for 10 s by its guard.
      newCheckout: { stage: 'internal', percent: 100, guard: 'p99(latency, /checkout) < 100ms', guardWindowMs: 10_000 },
    },
    admin: { tokens: { ops: { secret: adminToken, role: 'write' } } },
  });
}

/** The new checkout code path: it works, but takes 150 ms, which the flag's guard will not accept. */
export async function newCheckout() {
  await new Promise((resolve) => setTimeout(resolve, 150));
  return { checkout: 'new' };
}
