import type { SqlClient } from '../store/index.js';

/** Sets a destination's fleet-wide pause flag; returns the previous value. */
export async function setPaused(client: SqlClient, schema: string, destination: string, paused: boolean): Promise<boolean> {
  const rows = await client.query<{ before: boolean | null }>(
    `WITH before AS (SELECT paused FROM ${schema}.outbox_destinations WHERE name = $1)
     INSERT INTO ${schema}.outbox_destinations (name, paused) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET paused = EXCLUDED.paused
     RETURNING (SELECT paused FROM before) AS before`,
    [destination, paused],
  );
  return rows[0]?.before === true;
}

/** Sends a wake-up hint to every listening worker. Outside any caller transaction: a hint, not a guarantee. */
export async function sendHint(client: SqlClient, channel: string, payload: string): Promise<void> {
  await client.query(`SELECT pg_notify($1, $2)`, [channel, payload]);
}
