import type { SqlClient } from '../../outbox/store/index.js';
import type { DeadLetter } from '../types.js';

/** Stores a dead message (once per topic, group and id: a redelivered copy that dies again adds nothing). */
export async function recordDead(client: SqlClient, schema: string, letter: DeadLetter): Promise<void> {
  await client.query(
    `INSERT INTO ${schema}.message_dead (topic, grp, id, broker, reason, error, attempts, message, published_at, dead_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10)
     ON CONFLICT (topic, grp, id) WHERE id <> '' DO NOTHING`,
    [
      letter.topic,
      letter.group,
      letter.id,
      letter.broker,
      letter.reason,
      // A handler's error text may hold NUL, which a text column refuses; the row must be written all the same.
      letter.error.includes('\0') ? letter.error.replaceAll('\0', '\uFFFD') : letter.error,
      letter.attempts,
      letter.message === null ? null : JSON.stringify(letter.message),
      letter.publishedAt,
      letter.deadAt,
    ],
  );
}
