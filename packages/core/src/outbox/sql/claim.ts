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
  /** For a keyed row, where its key's lease row (`outbox_keys`) was when leased; null without a key. Acks find the key row by its key (see `completeMessages`). */
  lease_row: string | null;
  /** Where the leased row is (`ctid`): only its lease holder changes it, so the ack deletes it there, without an index descent. */
  row_id: string;
}

export interface ClaimArgs {
  destination: string;
  limit: number;
  workerId: string;
  leaseMs: number;
  /** Start the walk over keys after this one (wrapping around), so every key gets its turn. Default: the first key. */
  afterKey?: string;
}

/**
 * One step of the loose index scan: the first pending row of the next key, i.e. that key's head
 * (index `outbox_key_head`), with its row address (`ctid`, read with the row anyway) so the
 * statement locks and updates it without another index descent.
 */
const nextHead = (s: string, after: string, upTo: string) =>
  `SELECT o.key, o.id, o.run_at, o.ctid AS row_id FROM ${s}.outbox o
   WHERE o.destination = $1 AND o.state = 'pending' AND o.key IS NOT NULL AND o.key > ${after} ${upTo}
   ORDER BY o.key, o.id LIMIT 1`;

/** Heads of the keys after `$5` then, wrapping around, of the keys up to `$5`, in key order. */
const keyWalk = (s: string) => `
  after_cursor(key, id, run_at, row_id) AS (
    (${nextHead(s, '$5', '')})
    UNION ALL
    SELECT n.* FROM after_cursor a, LATERAL (${nextHead(s, 'a.key', '')}) n
  ),
  before_cursor(key, id, run_at, row_id) AS (
    (${nextHead(s, "''", 'AND o.key <= $5')})
    UNION ALL
    SELECT n.* FROM before_cursor b, LATERAL (${nextHead(s, 'b.key', 'AND o.key <= $5')}) n
  )`;

const LEASE_END = `now() + $4 * interval '1 millisecond'`;

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
 *   walk all of them to find nothing. A head in flight itself is skipped by
 *   its `run_at` (its lease end) before anything else is read for it.
 * - The in-flight lock: a row per key in `outbox_keys` holds the key's lease
 *   (`locked_by`, `leased_until`). A ready head's key row is looked up once
 *   (one probe of its primary key, whatever the number of keys) and the claim
 *   takes the lease by updating that row at the address the probe read, only
 *   while the lease is free or expired (rechecked on the newest version if
 *   another transaction changed it meanwhile); a key seen for the first time
 *   gets its row inserted, unless a concurrent claim inserted it first. So a
 *   key is never in flight twice, even when a head appears below a message
 *   already in flight (a transaction that enqueued a smaller id committed
 *   late, a dead message redriven): the row lock serialises concurrent claims
 *   of one key, which a predicate over the outbox rows alone could not (each
 *   claim would read its own snapshot). Key rows are locked in key order, so
 *   two claims never deadlock.
 *
 * Rows are locked and updated at the address the walk (or the unkeyed ready
 * index) read them from, compared with their id too: a row another statement
 * changed meanwhile is rechecked on its newest version or skipped.
 */
export async function claimMessages(client: SqlClient, schema: string, args: ClaimArgs): Promise<ClaimedRow[]> {
  const s = schema;
  return client.query<ClaimedRow>(
    `WITH RECURSIVE ${ASYNC_COMMIT},
     ${keyWalk(s)},
     keyed AS (
       SELECT h.id, h.key, h.run_at, h.row_id, l.lease_row, row_number() OVER () AS key_order
       FROM (SELECT * FROM after_cursor UNION ALL SELECT * FROM before_cursor) h
       LEFT JOIN LATERAL (
         SELECT k.ctid AS lease_row, k.leased_until FROM ${s}.outbox_keys k WHERE k.destination = $1 AND k.key = h.key OFFSET 0
       ) l ON true
       WHERE h.run_at <= now() AND (l.leased_until IS NULL OR l.leased_until <= now())
       LIMIT $2
     ),
     unkeyed AS (
       SELECT o.id, o.key, o.run_at, o.ctid AS row_id, NULL::tid AS lease_row, NULL::bigint AS key_order FROM ${s}.outbox o
       WHERE o.destination = $1 AND o.state = 'pending' AND o.key IS NULL AND o.run_at <= now()
       ORDER BY o.run_at, o.id LIMIT $2
     ),
     candidates AS (
       SELECT * FROM (SELECT * FROM keyed UNION ALL SELECT * FROM unkeyed) c
       WHERE NOT EXISTS (SELECT 1 FROM ${s}.outbox_destinations d WHERE d.name = $1 AND d.paused)
       ORDER BY c.run_at, c.id LIMIT $2
     ),
     picked AS (
       SELECT o.id, o.key, o.ctid AS row_id, c.lease_row, c.key_order FROM candidates c JOIN ${s}.outbox o ON o.ctid = c.row_id
       WHERE o.id = c.id AND o.state = 'pending' AND o.run_at <= now()
       FOR UPDATE OF o SKIP LOCKED
     ),
     leases_taken AS (
       UPDATE ${s}.outbox_keys k SET locked_by = $3, leased_until = ${LEASE_END}
       FROM (SELECT * FROM picked WHERE lease_row IS NOT NULL ORDER BY key) p
       WHERE k.ctid = p.lease_row AND k.destination = $1 AND k.key = p.key AND k.leased_until <= now()
       RETURNING p.id, p.row_id, p.key_order, k.ctid AS lease_row
     ),
     leases_added AS (
       INSERT INTO ${s}.outbox_keys (destination, key, locked_by, leased_until)
       SELECT $1, p.key, $3, ${LEASE_END} FROM picked p WHERE p.key IS NOT NULL AND p.lease_row IS NULL ORDER BY p.key
       ON CONFLICT (destination, key) DO NOTHING
       RETURNING key, ctid AS lease_row
     ),
     -- Unkeyed rows, and keyed rows whose key lease was taken: joined on nothing but their own rows, except
     -- for keys seen for the first time (an INSERT returns only its own row).
     leased AS (
       SELECT p.id, p.row_id, p.key_order, NULL::tid AS lease_row FROM picked p WHERE p.key IS NULL
       UNION ALL
       SELECT * FROM leases_taken
       UNION ALL
       SELECT p.id, p.row_id, p.key_order, a.lease_row FROM leases_added a JOIN picked p ON p.key = a.key
     )
     UPDATE ${s}.outbox o
     SET attempts = o.attempts + 1, locked_by = $3, run_at = ${LEASE_END}
     FROM leased l CROSS JOIN async_commit
     WHERE o.ctid = l.row_id AND o.id = l.id
     RETURNING o.id::text AS id, o.key, o.idempotency_key, o.payload, o.attempts, l.key_order::int AS key_order, l.lease_row::text AS lease_row,
            o.ctid::text AS row_id`,
    [args.destination, args.limit, args.workerId, args.leaseMs, args.afterKey ?? ''],
  );
}

/** The key to pass as the next claim's `afterKey`: the last key this claim's walk took, or `previous` when it took none. */
export function lastClaimedKey(rows: readonly ClaimedRow[], previous: string | undefined): string | undefined {
  let last: ClaimedRow | undefined;
  for (const row of rows) if (row.key_order !== null && (last === undefined || row.key_order > (last.key_order ?? 0))) last = row;
  return last?.key ?? previous;
}
