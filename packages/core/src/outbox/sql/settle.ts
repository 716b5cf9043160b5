import type { SqlClient } from '../store/index.js';
import type { ClaimedRow } from './claim.js';
import { ASYNC_COMMIT } from './relaxed.js';

/** Identifies one claim: a worker that lost its lease (another worker re-claimed) matches nothing. */
export interface LeaseRef {
  id: string;
  workerId: string;
  attempt: number;
}

const GUARD = 'id = $1 AND locked_by = $2 AND attempts = $3';

/**
 * An ack that advances a key renews the key's lease for this many times
 * `leaseMs`, and only once what is left of it would end before the next
 * message's lease (`leaseMs`). Rewriting the key row was a third of a keyed
 * ack's buffers and time (a row version, a WAL record and an index probe per
 * message); now a key advanced many times a second is rewritten once every
 * tenth of a lease. The price: a key whose worker died stays locked up to 10%
 * past its message's lease (33 s instead of 30 s by default) before another
 * worker takes it. Never less than the message's lease: no other worker can
 * take a key while its message is leased.
 */
const KEY_LEASE_SHARE = 1.1;

/** A delivered message to delete: its lease, where the row is (`ClaimedRow.row_id`) and its key's lease row (`lease_row`; null without a key). */
export interface AckRef extends LeaseRef {
  rowId: string;
  leaseRow: string | null;
}

/**
 * CTEs that free the key leases (`outbox_keys`) of the rows `changed` returned
 * (its `destination`, `key`), when `worker` still holds them: a settled message
 * is no longer in flight, so its key's next head may go. Locked in key order,
 * as claims take them, so a settle and a claim never deadlock; then updated at
 * the address the lock read (no second index descent; the lock keeps the row
 * where it is).
 */
const freeKeys = (s: string, changed: string, worker: string): string => `
  key_rows AS (
    SELECT k.ctid AS row_id, k.destination, k.key FROM ${s}.outbox_keys k JOIN ${changed} c ON k.destination = c.destination AND k.key = c.key
    WHERE k.locked_by = ${worker} ORDER BY k.destination, k.key FOR UPDATE OF k
  ),
  keys_freed AS (
    UPDATE ${s}.outbox_keys k SET locked_by = NULL, leased_until = now()
    FROM key_rows r WHERE k.ctid = r.row_id AND k.destination = r.destination AND k.key = r.key
  )`;
const guardParams = (l: LeaseRef): unknown[] => [l.id, l.workerId, l.attempt];

/**
 * A CTE that records the idempotency keys the caller supplied of the rows
 * `deleted` returned (delivered), so a re-enqueue of one answers `duplicate`
 * (see `insertMessage`); pruned after the retention window. Generated keys are
 * not recorded: a batch without a supplied key inserts no row and touches no
 * page of `outbox_delivered`. In the ack's own statement and transaction, so it
 * commits (synchronously or not) exactly when the delete does.
 */
const recordDelivered = (s: string, deleted: string): string => `
  recorded AS (
    INSERT INTO ${s}.outbox_delivered AS r (destination, idempotency_key, id)
    SELECT destination, idempotency_key, id FROM ${deleted} WHERE idempotency_supplied
    ON CONFLICT (destination, idempotency_key) DO UPDATE SET id = EXCLUDED.id, delivered_at = EXCLUDED.delivered_at
  )`;

/** Deletes a delivered message and counts it. Returns false when the lease was lost. */
export async function completeMessage(client: SqlClient, schema: string, lease: LeaseRef): Promise<boolean> {
  const rows = await client.query(
    `WITH done AS (DELETE FROM ${schema}.outbox WHERE ${GUARD} RETURNING id, destination, key, idempotency_key, idempotency_supplied),
     ${freeKeys(schema, 'done', '$2')}, ${recordDelivered(schema, 'done')}
     INSERT INTO ${schema}.outbox_destinations AS d (name, delivered) SELECT destination, 1 FROM done
     ON CONFLICT (name) DO UPDATE SET delivered = d.delivered + 1
     RETURNING name`,
    guardParams(lease),
  );
  return rows.length > 0;
}

/** A keyed message an ack leased to the worker in place of the one it deleted (see `completeMessages`). */
export interface AdvancedRow extends ClaimedRow {
  destination: string;
}

export interface AckResult {
  /** The ids actually deleted: a lease another worker took over in the meantime matches nothing. */
  deleted: Set<string>;
  /** The next message of each key the ack advanced, leased to the worker. */
  advanced: AdvancedRow[];
}

/**
 * Deletes many delivered messages in one statement and counts them per
 * destination. Each row is deleted at the address its claim returned
 * (`rowId`), compared with its id and lease: no index descent; a row changed
 * since (another worker re-claimed it) matches nothing. A keyed message's key
 * lease is freed (or renewed, see below) in key order as claims take them, no
 * separate lock, found through the key's primary key, not at the address its
 * claim returned (`leaseRow`, which only says the message has a key): each
 * ack rewrites one key row per keyed message, and only a page read through an
 * index (or a sequential scan) is ever pruned, never one read by address. With
 * every key row read by address its pages never got their space back, no
 * update fit on its row's page (0% HOT), and the table and its index grew by
 * a row version per message: 25-32 buffers per message at 200k rows over 1,000
 * keys, against 3-4 for the probe and an in-place (HOT) update.
 * A key row changed since (the lease expired and another worker took it) no
 * longer matches `locked_by` and stays as it is. The idempotency keys the
 * caller supplied are recorded as delivered in the same statement
 * (`outbox_delivered`).
 *
 * Ack and advance: for a keyed message whose `advance` flag is set, the key's
 * lease is not freed but kept, and the key's next message is leased to the
 * same worker for `leaseMs` in the same statement, so the worker delivers it
 * without a claim (no walk over the heads, no round trip). The key's lease
 * must last at least as long as its message's; it is renewed only when it
 * would not, and then for `KEY_LEASE_SHARE` times `leaseMs`, so a key advanced
 * many times a second has its row rewritten once every tenth of a lease, not
 * once per message (see `KEY_LEASE_SHARE`).
 * The next message is the key's head: its lowest pending id (a redriven dead
 * message or a late-committing smaller id comes first, as in a claim), taken
 * only when it is ready (not waiting out a retry delay), not locked by another
 * statement (skipped, not waited for: then the key is freed as usual) and its
 * destination is not paused. Picking the head comes before locking it, so a
 * locked head is never passed over for the one after it. The worker asks for
 * it only while it runs and the destination's breaker lets messages through.
 *
 * Every lookup of a next row runs before the first row is advanced (the sort
 * over `next` reads all of it first). A lookup passes the index entries of the
 * key's delivered messages and superseded versions and marks those dead to
 * every snapshot, so the next lookup skips them without reading the table; an
 * update writing into the same index page before the marks are set drops them
 * (PostgreSQL gives up marking a page changed since it was read). Streamed,
 * lookup then advance key by key, no entry was ever marked by an ack: 45-47
 * outbox heap buffers per keyed message instead of 15 (200k rows, 1,000 keys).
 *
 * The CTEs' results are joined on row addresses (`tid`), or not at all (an
 * UPDATE returns what the next one needs): the planner takes each CTE for one
 * row and joins them by nested loops, which over a batch of 250 keyed rows
 * compared 60k pairs of keys as text, about half the statement's time.
 *
 * Without a keyed message in the batch the commit does not wait for the WAL
 * flush (`ASYNC_COMMIT`); with one it does, see `ASYNC_COMMIT`. A lost
 * asynchronous commit loses the record with the delete: the message is pending
 * again, and delivered again.
 */
export async function completeMessages(
  client: SqlClient,
  schema: string,
  workerId: string,
  acks: readonly AckRef[],
  advance: { flags: readonly boolean[]; leaseMs: number } = { flags: [], leaseMs: 0 },
): Promise<AckResult> {
  const s = schema;
  const durable = acks.some((a) => a.leaseRow !== null);
  const rows = await client.query<AdvancedRow & { advanced: boolean }>(
    `WITH ${durable ? '' : `${ASYNC_COMMIT},`} done AS (
       DELETE FROM ${s}.outbox o
       USING unnest($1::bigint[], $2::int[], $4::tid[], $5::bool[], $7::tid[]) AS a(id, attempt, lease_row, advance, row_id)${durable ? '' : ', async_commit'}
       WHERE o.ctid = a.row_id AND o.id = a.id AND o.attempts = a.attempt AND o.locked_by = $3
       RETURNING o.id, o.destination, o.key, o.idempotency_key, o.idempotency_supplied, a.lease_row, coalesce(a.advance, false) AS advance
     ), ${recordDelivered(s, 'done')}, paused AS MATERIALIZED (
       SELECT name FROM ${s}.outbox_destinations WHERE paused
     ), heads AS (
       SELECT d.destination, d.key, d.lease_row, h.id, h.row_id FROM done d
       CROSS JOIN LATERAL (
         SELECT o.id, o.run_at, o.ctid AS row_id FROM ${s}.outbox o
         WHERE o.destination = d.destination AND o.state = 'pending' AND o.key IS NOT NULL AND o.key = d.key AND o.id <> d.id
         ORDER BY o.key, o.id LIMIT 1
       ) h
       WHERE d.advance AND d.lease_row IS NOT NULL AND h.run_at <= now()
         AND NOT EXISTS (SELECT 1 FROM paused p WHERE p.name = d.destination)
     ), next AS (
       SELECT h.* FROM heads h JOIN ${s}.outbox o ON o.ctid = h.row_id
       WHERE o.id = h.id AND o.state = 'pending' AND o.run_at <= now()
       FOR UPDATE OF o SKIP LOCKED
     ), keys_held AS (
       SELECT n.destination, n.key, n.id, n.row_id, k.ctid AS lease_row,
              k.leased_until >= now() + $6 * interval '1 millisecond' AS covered
       FROM (SELECT * FROM next ORDER BY destination, key) n
       JOIN ${s}.outbox_keys k ON k.destination = n.destination AND k.key = n.key AND k.locked_by = $3
     ), keys_renewed AS (
       UPDATE ${s}.outbox_keys k SET leased_until = now() + $6 * interval '${KEY_LEASE_SHARE} millisecond'
       FROM (SELECT * FROM keys_held WHERE NOT covered ORDER BY destination, key) n
       WHERE k.destination = n.destination AND k.key = n.key AND k.locked_by = $3
       RETURNING k.ctid AS lease_row, n.id, n.row_id
     ), keys_kept AS (
       SELECT lease_row, id, row_id FROM keys_held WHERE covered
       UNION ALL
       SELECT lease_row, id, row_id FROM keys_renewed
     ), keys_freed AS (
       UPDATE ${s}.outbox_keys k SET locked_by = NULL, leased_until = now()
       FROM (
         SELECT * FROM done d WHERE d.lease_row IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM next n WHERE n.lease_row = d.lease_row)
         ORDER BY d.destination, d.key
       ) d
       WHERE k.destination = d.destination AND k.key = d.key AND k.locked_by = $3
     ), advanced AS (
       UPDATE ${s}.outbox o SET attempts = o.attempts + 1, locked_by = $3, run_at = now() + $6 * interval '1 millisecond'
       FROM keys_kept k
       WHERE o.ctid = k.row_id AND o.id = k.id
       RETURNING o.id, o.destination, o.key, o.idempotency_key, o.payload, o.attempts, k.lease_row, o.ctid AS row_id
     ), counted AS (
       INSERT INTO ${s}.outbox_destinations AS d (name, delivered)
       SELECT destination, count(*) FROM done GROUP BY destination
       ON CONFLICT (name) DO UPDATE SET delivered = d.delivered + EXCLUDED.delivered
     )
     SELECT false AS advanced, id::text AS id, NULL AS destination, NULL AS key, NULL AS idempotency_key, NULL::jsonb AS payload,
            NULL::int AS attempts, NULL::int AS key_order, NULL AS lease_row, NULL AS row_id FROM done
     UNION ALL
     SELECT true, id::text, destination, key, idempotency_key, payload, attempts, NULL, lease_row::text, row_id::text FROM advanced`,
    [
      acks.map((a) => a.id),
      acks.map((a) => a.attempt),
      workerId,
      acks.map((a) => a.leaseRow),
      acks.map((_, i) => advance.flags[i] ?? false),
      advance.leaseMs,
      acks.map((a) => a.rowId),
    ],
  );
  const result: AckResult = { deleted: new Set(), advanced: [] };
  for (const { advanced, ...row } of rows) {
    if (advanced) result.advanced.push(row);
    else result.deleted.add(row.id);
  }
  return result;
}

/** Schedules the next attempt `delayMs` from now (database clock). Returns false when the lease was lost. Commits without waiting for the WAL flush. */
export async function rescheduleMessage(
  client: SqlClient,
  schema: string,
  lease: LeaseRef,
  delayMs: number,
  error: string,
): Promise<boolean> {
  const rows = await client.query(
    `WITH ${ASYNC_COMMIT}, changed AS (
       UPDATE ${schema}.outbox SET locked_by = NULL, run_at = now() + $4 * interval '1 millisecond', last_error = $5
       FROM async_commit WHERE ${GUARD} RETURNING id, destination, key
     ), ${freeKeys(schema, 'changed', '$2')}
     SELECT id FROM changed`,
    [...guardParams(lease), delayMs, error],
  );
  return rows.length > 0;
}

/** Moves a message to the dead state with its last error. Returns false when the lease was lost. */
export async function buryMessage(client: SqlClient, schema: string, lease: LeaseRef, error: string): Promise<boolean> {
  const rows = await client.query(
    `WITH changed AS (
       UPDATE ${schema}.outbox SET state = 'dead', locked_by = NULL, dead_at = now(), last_error = $4
       WHERE ${GUARD} RETURNING id, destination, key
     ), ${freeKeys(schema, 'changed', '$2')}
     SELECT id FROM changed`,
    [...guardParams(lease), error],
  );
  return rows.length > 0;
}

/** Gives a message back unattempted (shutdown, or the breaker refused it): ready at once, the attempt not counted. */
export async function releaseMessage(client: SqlClient, schema: string, lease: LeaseRef): Promise<boolean> {
  const rows = await client.query(
    `WITH ${ASYNC_COMMIT}, changed AS (
       UPDATE ${schema}.outbox SET locked_by = NULL, run_at = now(), attempts = attempts - 1 FROM async_commit WHERE ${GUARD}
       RETURNING id, destination, key
     ), ${freeKeys(schema, 'changed', '$2')}
     SELECT id FROM changed`,
    guardParams(lease),
  );
  return rows.length > 0;
}

/** Gives many claimed, never-started messages back at once (shutdown, or they waited too long in the local queue). */
export async function releaseMessages(client: SqlClient, schema: string, workerId: string, leases: readonly LeaseRef[]): Promise<number> {
  const rows = await client.query(
    `WITH ${ASYNC_COMMIT}, changed AS (
       UPDATE ${schema}.outbox o SET locked_by = NULL, run_at = now(), attempts = o.attempts - 1
       FROM unnest($1::bigint[], $2::int[]) AS a(id, attempt), async_commit
       WHERE o.id = a.id AND o.attempts = a.attempt AND o.locked_by = $3
       RETURNING o.id, o.destination, o.key
     ), ${freeKeys(schema, 'changed', '$3')}
     SELECT id FROM changed`,
    [leases.map((l) => l.id), leases.map((l) => l.attempt), workerId],
  );
  return rows.length;
}

/**
 * Releases every message `workerId` holds a lease on but does not know about
 * (`held` are the ids it does): claims whose answer was lost with the
 * connection in a database restart. Ready at once, the attempt not counted,
 * their keys freed, instead of waiting out the lease. Run after the worker's
 * loop failed, so it reads the whole table only then.
 */
export async function releaseOrphans(client: SqlClient, schema: string, workerId: string, held: readonly string[]): Promise<number> {
  const rows = await client.query(
    `WITH changed AS (
       UPDATE ${schema}.outbox o SET locked_by = NULL, run_at = now(), attempts = o.attempts - 1
       WHERE o.locked_by = $1 AND o.state = 'pending' AND o.run_at > now() AND NOT (o.id = ANY($2::bigint[]))
       RETURNING o.id, o.destination, o.key
     ), ${freeKeys(schema, 'changed', '$1')}
     SELECT id FROM changed`,
    [workerId, held],
  );
  return rows.length;
}
