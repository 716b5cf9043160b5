import type { Migration } from '../../migrations/index.js';

export type { Migration };
/**
 * The outbox's numbered migrations, applied in order by the shared runner and
 * recorded in `<schema>.migrations`. Never edit a released one: add the next number.
 */
export const migrations: readonly Migration[] = [
  {
    id: 1,
    name: 'outbox',
    sql: (s) => [
      `
      CREATE TABLE ${s}.outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        destination text NOT NULL,
        key text,
        idempotency_key text NOT NULL,
        payload jsonb NOT NULL,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        -- Next time the row may be claimed; while leased it is the lease's end.
        run_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        locked_by text,
        last_error text,
        dead_at timestamptz
      )`,
      `CREATE INDEX outbox_ready ON ${s}.outbox (destination, run_at, id) WHERE state = 'pending'`,
      `CREATE INDEX outbox_key_head ON ${s}.outbox (destination, key, id) WHERE state = 'pending' AND key IS NOT NULL`,
      `CREATE INDEX outbox_dead ON ${s}.outbox (destination, id) WHERE state = 'dead'`,
      `CREATE UNIQUE INDEX outbox_idempotency ON ${s}.outbox (destination, idempotency_key)`,
      `CREATE TABLE ${s}.outbox_destinations (
        name text PRIMARY KEY,
        paused boolean NOT NULL DEFAULT false,
        delivered bigint NOT NULL DEFAULT 0
      )`,
    ],
  },
  {
    // A generated UUID v7 cannot collide, so only keys the caller supplied need a unique index entry:
    // one b-tree insert less per default enqueue and per claim (a claim rewrites the row's index entries).
    id: 2,
    name: 'unique supplied idempotency keys only',
    sql: (s) => [
      // Rows stored before this migration keep their uniqueness.
      `ALTER TABLE ${s}.outbox ADD COLUMN idempotency_supplied boolean NOT NULL DEFAULT true`,
      `ALTER TABLE ${s}.outbox ALTER COLUMN idempotency_supplied SET DEFAULT false`,
      `CREATE UNIQUE INDEX outbox_supplied_idempotency ON ${s}.outbox (destination, idempotency_key) WHERE idempotency_supplied`,
      `DROP INDEX ${s}.outbox_idempotency`,
    ],
  },
  {
    // Message ids a subscriber group has handled (`dedupe: 'postgres'`), written in the handler's transaction.
    id: 3,
    name: 'message dedupe',
    sql: (s) => [
      `CREATE TABLE ${s}.message_dedupe (
        topic text NOT NULL,
        grp text NOT NULL,
        id text NOT NULL,
        seen_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (topic, grp, id)
      )`,
      `CREATE INDEX message_dedupe_seen ON ${s}.message_dedupe (seen_at)`,
    ],
  },
  {
    // Keyed claims that do not walk the backlog (see claim.ts): unkeyed rows get their own ready index,
    // keyed heads are found by a loose scan of outbox_key_head, and a key's in-flight lease lives in
    // outbox_keys, whose row lock makes "at most one in flight per key" hold under concurrent claims.
    id: 4,
    name: 'keyed heads and key leases',
    sql: (s) => [
      `CREATE TABLE ${s}.outbox_keys (
        destination text NOT NULL,
        key text NOT NULL,
        locked_by text,
        leased_until timestamptz NOT NULL DEFAULT '-infinity',
        PRIMARY KEY (destination, key)
      )`,
      // Keys in flight when this runs (claimed by a worker of an older version) keep their lease.
      `INSERT INTO ${s}.outbox_keys (destination, key, locked_by, leased_until)
       SELECT DISTINCT ON (destination, key) destination, key, locked_by, run_at FROM ${s}.outbox
       WHERE state = 'pending' AND key IS NOT NULL AND locked_by IS NOT NULL AND run_at > now()
       ORDER BY destination, key, run_at DESC`,
      `CREATE INDEX outbox_ready_unkeyed ON ${s}.outbox (destination, run_at, id) WHERE state = 'pending' AND key IS NULL`,
      `DROP INDEX ${s}.outbox_ready`,
    ],
  },
  {
    // Messages a subscriber group gave up on (handler kept failing, schema, malformed), kept for operators:
    // the broker has acknowledged them, so this row is the only copy. One per (topic, group, id).
    id: 5,
    name: 'message dead list',
    sql: (s) => [
      `CREATE TABLE ${s}.message_dead (
        seq bigserial PRIMARY KEY,
        topic text NOT NULL,
        grp text NOT NULL,
        id text NOT NULL,
        broker text NOT NULL,
        reason text NOT NULL,
        error text NOT NULL,
        attempts integer NOT NULL,
        message jsonb,
        published_at text,
        dead_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE UNIQUE INDEX message_dead_once ON ${s}.message_dead (topic, grp, id) WHERE id <> ''`,
    ],
  },
  {
    // Idempotency keys the caller supplied whose message was delivered (its row deleted), written by the ack
    // in the same statement and pruned after `deliveredKeyRetentionMs`: re-enqueueing such a key answers
    // `duplicate: true` with the delivered id instead of storing (or refusing as full) a new message.
    // Generated keys (idempotency_supplied false, see migration 2) are never recorded.
    id: 6,
    name: 'delivered idempotency keys',
    sql: (s) => [
      `CREATE TABLE ${s}.outbox_delivered (
        destination text NOT NULL,
        idempotency_key text NOT NULL,
        id bigint NOT NULL,
        delivered_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (destination, idempotency_key)
      )`,
      `CREATE INDEX outbox_delivered_at ON ${s}.outbox_delivered (delivered_at)`,
    ],
  },
  {
    // Dead messages are kept for `messaging.deadRetentionMs`; the pruner deletes the oldest first along this index.
    id: 7,
    name: 'dead message age',
    sql: (s) => [`CREATE INDEX message_dead_at ON ${s}.message_dead (dead_at)`],
  },
];
