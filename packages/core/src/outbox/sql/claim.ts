import type { SqlClient } from '../store/index.js';
import { ASYNC_COMMIT } from './relaxed.js';

export interface ClaimedRow {
  id: string;
  key: string | null;
  idempotency_key: string;
  payload: unknown;
  /** This claim's attempt number; together with the worker id it guards every ack. */
  attempts: number;
}

/**
 * Leases up to `limit` ready messages of one destination for `leaseMs` on the
 * database clock. Only the head of each key qualifies (no earlier pending
 * message of the same key, leased or waiting for a retry), so a key is never
 * delivered out of order nor twice at once; dead messages no longer count.
 * SKIP LOCKED lets concurrent workers claim disjoint rows without waiting.
 * The lease end is stored in `run_at`, so an expired lease is simply ready again.
 * Commits without waiting for the WAL flush (see `ASYNC_COMMIT`).
 */
export async function claimMessages(
  client: SqlClient,
  schema: string,
  args: { destination: string; limit: number; workerId: string; leaseMs: number },
): Promise<ClaimedRow[]> {
  return client.query<ClaimedRow>(
    `WITH ${ASYNC_COMMIT}, picked AS (
       SELECT o.id FROM ${schema}.outbox o
       WHERE o.destination = $1 AND o.state = 'pending' AND o.run_at <= now()
         AND (o.key IS NULL OR NOT EXISTS (
           SELECT 1 FROM ${schema}.outbox e
           WHERE e.destination = o.destination AND e.key = o.key AND e.state = 'pending' AND e.id < o.id))
         AND NOT EXISTS (SELECT 1 FROM ${schema}.outbox_destinations d WHERE d.name = $1 AND d.paused)
       ORDER BY o.run_at, o.id
       LIMIT $2
       FOR UPDATE OF o SKIP LOCKED
     )
     UPDATE ${schema}.outbox o
     SET attempts = o.attempts + 1, locked_by = $3, run_at = now() + $4 * interval '1 millisecond'
     FROM picked, async_commit WHERE o.id = picked.id
     RETURNING o.id::text AS id, o.key, o.idempotency_key, o.payload, o.attempts`,
    [args.destination, args.limit, args.workerId, args.leaseMs],
  );
}
