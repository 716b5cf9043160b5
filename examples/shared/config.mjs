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
    admin: { tokens: { ops: { secret: adminToken, role: 'write' } } },
  });
}
