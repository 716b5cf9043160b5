import type { SqlClient } from '../store/index.js';
import type { DeadMessage } from '../types.js';

interface DeadRow {
  id: string;
  destination: string;
  key: string | null;
  idempotency_key: string;
  payload: unknown;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  dead_at: Date | null;
}

/** Dead messages, oldest first, optionally of one destination. */
export async function listDead(client: SqlClient, schema: string, destination: string | undefined, limit: number): Promise<DeadMessage[]> {
  const rows = await client.query<DeadRow>(
    `SELECT id::text AS id, destination, key, idempotency_key, payload, attempts, last_error, created_at, dead_at
     FROM ${schema}.outbox WHERE state = 'dead' AND ($1::text IS NULL OR destination = $1)
     ORDER BY id LIMIT $2`,
    [destination ?? null, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    destination: r.destination,
    key: r.key ?? undefined,
    idempotencyKey: r.idempotency_key,
    payload: r.payload,
    attempts: r.attempts,
    lastError: r.last_error ?? undefined,
    createdAt: new Date(r.created_at).toISOString(),
    deadAt: r.dead_at === null ? undefined : new Date(r.dead_at).toISOString(),
  }));
}

/** Makes a dead message pending again with a fresh attempt budget. Returns its destination, or undefined when no dead message has that id. */
export async function redriveDead(client: SqlClient, schema: string, id: string): Promise<string | undefined> {
  const rows = await client.query<{ destination: string }>(
    `UPDATE ${schema}.outbox SET state = 'pending', attempts = 0, run_at = now(), dead_at = NULL
     WHERE id = $1 AND state = 'dead' RETURNING destination`,
    [id],
  );
  return rows[0]?.destination;
}
