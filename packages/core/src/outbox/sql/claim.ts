import type { SqlClient } from '../store/index.js';
import { ASYNC_COMMIT } from './relaxed.js';

export interface ClaimedRow {
  id: string;
  key: string | null;
  idempotency_key: string;
  payload: unknown;
  /** This claim's attempt number; together with the worker id it guards every ack. */
  attempts: number;
  /** For a keyed row, its place in this claim's walk over the keys (pass the last one's key as the next `afterKey`). */
  key_order: number | null;
}

export interface ClaimArgs {
  destination: string;
  limit: number;
  workerId: string;
  leaseMs: number;
  /** Start the walk over keys after this one (wrapping around), so every key gets its turn. Default: the first key. */
  afterKey?: string;
}

/** One step of the loose index scan: the first pending row of the next key, i.e. that key's head (index `outbox_key_head`). */
const nextHead = (s: string, after: string, upTo: string) =>
  `SELECT o.key, o.id, o.run_at FROM ${s}.outbox o
   WHERE o.destination = $1 AND o.state = 'pending' AND o.key IS NOT NULL AND o.key > ${after} ${upTo}
   ORDER BY o.key, o.id LIMIT 1`;

/** Heads of the keys after `$5` then, wrapping around, of the keys up to `$5`, in key order. */
const keyWalk = (s: string) => `
  after_cursor(key, id, run_at) AS (
    (${nextHead(s, '$5', '')})
    UNION ALL
    SELECT n.key, n.id, n.run_at FROM after_cursor a, LATERAL (${nextHead(s, 'a.key', '')}) n
  ),
  before_cursor(key, id, run_at) AS (
    (${nextHead(s, "''", 'AND o.key <= $5')})
    UNION ALL
    SELECT n.key, n.id, n.run_at FROM before_cursor b, LATERAL (${nextHead(s, 'b.key', 'AND o.key <= $5')}) n
  )`;

/**
 * Leases up to `limit` ready messages of one destination for `leaseMs` on the
 * database clock, oldest `run_at` first. SKIP LOCKED lets concurrent workers
 * claim disjoint rows without waiting. The lease end is stored in `run_at`,
 * so an expired lease is simply ready again. Commits without waiting for the
 * WAL flush (see `ASYNC_COMMIT`).
 *
 * Keyed messages: only a key's head (its lowest pending id) qualifies, and
 * only while no message of the key is in flight. Two pieces make that cheap
 * and exact at any backlog:
 * - Finding heads: a loose index scan (recursive CTE) over `outbox_key_head`
 *   (destination, key, id) jumps from one key's first row to the next key's,
 *   one index descent per key, never reading a key's waiting rows. It starts
 *   after `afterKey` and wraps around, and stops as soon as `limit` heads are
 *   found (a recursive CTE is evaluated only as far as it is read), so its
 *   cost follows the batch, not the backlog: 1M rows over one key cost the
 *   same as 1 row. A ready index over every keyed row would not: a key whose
 *   head is in flight has all its other rows ready in it, and a claim would
 *   walk all of them to find nothing.
 * - The in-flight lock: a row per key in `outbox_keys` holds the key's lease
 *   (`locked_by`, `leased_until`). The claim takes it with an upsert that
 *   succeeds only when it is free or expired, so a key is never in flight
 *   twice, even when a head appears below a message already in flight (a
 *   transaction that enqueued a smaller id committed late, a dead message
 *   redriven): the row lock serialises concurrent claims of one key, which a
 *   predicate over the outbox rows alone could not (each claim would read
 *   its own snapshot). Upserts go in key order, so two claims never deadlock.
 */
export async function claimMessages(client: SqlClient, schema: string, args: ClaimArgs): Promise<ClaimedRow[]> {
  const s = schema;
  return client.query<ClaimedRow>(
    `WITH RECURSIVE ${ASYNC_COMMIT},
     ${keyWalk(s)},
     keyed AS (
       SELECT h.id, h.key, h.run_at, row_number() OVER () AS key_order
       FROM (SELECT * FROM after_cursor UNION ALL SELECT * FROM before_cursor) h
       WHERE h.run_at <= now()
         AND NOT EXISTS (SELECT 1 FROM ${s}.outbox_keys k WHERE k.destination = $1 AND k.key = h.key AND k.leased_until > now())
       LIMIT $2
     ),
     unkeyed AS (
       SELECT o.id, o.key, o.run_at, NULL::bigint AS key_order FROM ${s}.outbox o
       WHERE o.destination = $1 AND o.state = 'pending' AND o.key IS NULL AND o.run_at <= now()
       ORDER BY o.run_at, o.id LIMIT $2
     ),
     candidates AS (
       SELECT * FROM (SELECT * FROM keyed UNION ALL SELECT * FROM unkeyed) c
       WHERE NOT EXISTS (SELECT 1 FROM ${s}.outbox_destinations d WHERE d.name = $1 AND d.paused)
       ORDER BY c.run_at, c.id LIMIT $2
     ),
     picked AS (
       SELECT o.id, o.key, c.key_order FROM ${s}.outbox o JOIN candidates c ON c.id = o.id
       WHERE o.state = 'pending' AND o.run_at <= now()
       FOR UPDATE OF o SKIP LOCKED
     ),
     key_leases AS (
       INSERT INTO ${s}.outbox_keys AS k (destination, key, locked_by, leased_until)
       SELECT $1, p.key, $3, now() + $4 * interval '1 millisecond' FROM picked p WHERE p.key IS NOT NULL ORDER BY p.key
       ON CONFLICT (destination, key) DO UPDATE SET locked_by = EXCLUDED.locked_by, leased_until = EXCLUDED.leased_until
       WHERE k.leased_until <= now()
       RETURNING k.key
     )
     UPDATE ${s}.outbox o
     SET attempts = o.attempts + 1, locked_by = $3, run_at = now() + $4 * interval '1 millisecond'
     FROM picked p, async_commit
     WHERE o.id = p.id AND (p.key IS NULL OR p.key IN (SELECT key FROM key_leases))
     RETURNING o.id::text AS id, o.key, o.idempotency_key, o.payload, o.attempts, p.key_order::int AS key_order`,
    [args.destination, args.limit, args.workerId, args.leaseMs, args.afterKey ?? ''],
  );
}

/** The key to pass as the next claim's `afterKey`: the last key this claim's walk took, or `previous` when it took none. */
export function lastClaimedKey(rows: readonly ClaimedRow[], previous: string | undefined): string | undefined {
  let last: ClaimedRow | undefined;
  for (const row of rows) if (row.key_order !== null && (last === undefined || row.key_order > (last.key_order ?? 0))) last = row;
  return last?.key ?? previous;
}
