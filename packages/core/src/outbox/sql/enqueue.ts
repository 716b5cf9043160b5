import type { SqlClient } from '../store/index.js';

export interface InsertMessage {
  destination: string;
  key: string | undefined;
  idempotencyKey: string;
  /** The caller chose the key (only those are deduplicated; a generated UUID v7 cannot collide). */
  idempotencySupplied: boolean;
  /** The payload already serialised to JSON. */
  json: string;
  delayMs: number;
  /** When set, store only while fewer than this many messages are pending. */
  maxPending: number | undefined;
}

export type InsertResult = { stored: string } | { duplicate: string } | { full: true };

/**
 * Inserts one message. A supplied idempotency key the outbox already holds for
 * the destination, or delivered within the retention window (`outbox_delivered`),
 * is not stored twice (the existing id comes back); a generated one skips
 * both checks and the index entry. With
 * `maxPending`, the count is bounded by `LIMIT`, so the check costs at most
 * `maxPending` index entries and needs no extra round trip.
 *
 * Known gap: an enqueue whose statement starts while the ack of the same
 * supplied key is committing stores a second message. Its snapshot predates
 * the ack's `outbox_delivered` row, and the unique index waits for the ack's
 * delete and then lets the insert through. Closing it takes a second statement
 * (a fresh snapshot) after the insert, in the same transaction, for every
 * supplied key: not done, the window is the ack's commit.
 */
export async function insertMessage(client: SqlClient, schema: string, m: InsertMessage): Promise<InsertResult> {
  // A recorded delivery pruned between the INSERT and the SELECT: store it as the new message it now is.
  for (let attempt = 0; ; attempt++) {
    const result = await insertOnce(client, schema, m);
    if (!('full' in result) || !m.idempotencySupplied || attempt === 2) return result;
  }
}

async function insertOnce(client: SqlClient, schema: string, m: InsertMessage): Promise<InsertResult> {
  const params: unknown[] = [m.destination, m.key ?? null, m.idempotencyKey, m.json, m.delayMs];
  const guard =
    m.maxPending === undefined
      ? ''
      : // Two bounded counts, one per ready index (keyed rows, unkeyed rows), each reading at most $6 entries.
        `WHERE (SELECT count(*) FROM (SELECT 1 FROM ${schema}.outbox WHERE destination = $1 AND state = 'pending' AND key IS NULL LIMIT $6) u)
             + (SELECT count(*) FROM (SELECT 1 FROM ${schema}.outbox WHERE destination = $1 AND state = 'pending' AND key IS NOT NULL LIMIT $6) k) < $6`;
  if (m.maxPending !== undefined) params.push(m.maxPending);
  const supplied = m.idempotencySupplied;
  const notDelivered = `NOT EXISTS (SELECT 1 FROM ${schema}.outbox_delivered WHERE destination = $1 AND idempotency_key = $3)`;
  const where = guard === '' ? (supplied ? `WHERE ${notDelivered}` : '') : supplied ? `${guard} AND ${notDelivered}` : guard;
  const rows = await client.query<{ id: string }>(
    `INSERT INTO ${schema}.outbox (destination, key, idempotency_key, payload, run_at, idempotency_supplied)
     SELECT $1, $2, $3, $4::jsonb, now() + $5 * interval '1 millisecond', ${supplied} ${where}
     ${supplied ? 'ON CONFLICT (destination, idempotency_key) WHERE idempotency_supplied DO NOTHING' : ''}
     RETURNING id::text AS id`,
    params,
  );
  if (rows[0] !== undefined) return { stored: rows[0].id };
  if (!supplied) return { full: true };
  // One statement, one snapshot: an ack moves the key from one table to the other atomically, so it is seen in one of them.
  const existing = await client.query<{ id: string }>(
    `SELECT id::text AS id FROM ${schema}.outbox WHERE destination = $1 AND idempotency_key = $2 AND idempotency_supplied
     UNION ALL
     SELECT id::text FROM ${schema}.outbox_delivered WHERE destination = $1 AND idempotency_key = $2
     LIMIT 1`,
    [m.destination, m.idempotencyKey],
  );
  return existing[0] !== undefined ? { duplicate: existing[0].id } : { full: true };
}

/** Whether an earlier message of `key` is still pending (a direct delivery would overtake it). */
export async function keyHasPending(client: SqlClient, schema: string, destination: string, key: string): Promise<boolean> {
  const rows = await client.query<{ pending: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${schema}.outbox WHERE destination = $1 AND key = $2 AND state = 'pending') AS pending`,
    [destination, key],
  );
  return rows[0]?.pending === true;
}
