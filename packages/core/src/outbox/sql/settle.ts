import type { SqlClient } from '../store/index.js';

/** Identifies one claim: a worker that lost its lease (another worker re-claimed) matches nothing. */
export interface LeaseRef {
  id: string;
  workerId: string;
  attempt: number;
}

const GUARD = 'id = $1 AND locked_by = $2 AND attempts = $3';
const guardParams = (l: LeaseRef): unknown[] => [l.id, l.workerId, l.attempt];

/** Deletes a delivered message and counts it. Returns false when the lease was lost. */
export async function completeMessage(client: SqlClient, schema: string, lease: LeaseRef): Promise<boolean> {
  const rows = await client.query(
    `WITH done AS (DELETE FROM ${schema}.outbox WHERE ${GUARD} RETURNING destination)
     INSERT INTO ${schema}.outbox_destinations AS d (name, delivered) SELECT destination, 1 FROM done
     ON CONFLICT (name) DO UPDATE SET delivered = d.delivered + 1
     RETURNING name`,
    guardParams(lease),
  );
  return rows.length > 0;
}

/** Schedules the next attempt `delayMs` from now (database clock). Returns false when the lease was lost. */
export async function rescheduleMessage(
  client: SqlClient,
  schema: string,
  lease: LeaseRef,
  delayMs: number,
  error: string,
): Promise<boolean> {
  const rows = await client.query(
    `UPDATE ${schema}.outbox SET locked_by = NULL, run_at = now() + $4 * interval '1 millisecond', last_error = $5
     WHERE ${GUARD} RETURNING id`,
    [...guardParams(lease), delayMs, error],
  );
  return rows.length > 0;
}

/** Moves a message to the dead state with its last error. Returns false when the lease was lost. */
export async function buryMessage(client: SqlClient, schema: string, lease: LeaseRef, error: string): Promise<boolean> {
  const rows = await client.query(
    `UPDATE ${schema}.outbox SET state = 'dead', locked_by = NULL, dead_at = now(), last_error = $4
     WHERE ${GUARD} RETURNING id`,
    [...guardParams(lease), error],
  );
  return rows.length > 0;
}

/** Gives a message back unattempted (shutdown, or the breaker refused it): ready at once, the attempt not counted. */
export async function releaseMessage(client: SqlClient, schema: string, lease: LeaseRef): Promise<boolean> {
  const rows = await client.query(
    `UPDATE ${schema}.outbox SET locked_by = NULL, run_at = now(), attempts = attempts - 1 WHERE ${GUARD} RETURNING id`,
    guardParams(lease),
  );
  return rows.length > 0;
}
