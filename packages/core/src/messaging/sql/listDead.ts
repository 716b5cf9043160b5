import type { SqlClient } from '../../outbox/store/index.js';
import type { DeadLetter, DeadReason } from '../types.js';
import type { Message } from '../message.js';

interface DeadRow {
  topic: string;
  grp: string;
  id: string;
  broker: string;
  reason: DeadReason;
  error: string;
  attempts: number;
  message: Message | null;
  published_at: string | null;
  dead_at: Date | string;
}

/** The newest `limit` dead messages of every instance, oldest first. */
export async function listDead(client: SqlClient, schema: string, limit: number): Promise<DeadLetter[]> {
  const rows = await client.query<DeadRow>(
    `SELECT topic, grp, id, broker, reason, error, attempts, message, published_at, dead_at
     FROM ${schema}.message_dead ORDER BY seq DESC LIMIT $1`,
    [limit],
  );
  return rows.reverse().map((r) => ({
    id: r.id,
    topic: r.topic,
    group: r.grp,
    broker: r.broker,
    reason: r.reason,
    error: r.error,
    attempts: r.attempts,
    message: r.message,
    publishedAt: r.published_at,
    deadAt: new Date(r.dead_at).toISOString(),
  }));
}
