import pg from 'pg';
import { ownedPool } from '../lib/db.mjs';
import { eachLimit } from '../lib/measure.mjs';

const schema = `
  CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    destination text NOT NULL,
    payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE FUNCTION outbox_wake() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN PERFORM pg_notify('outbox', ''); RETURN NULL; END $$;
`;

/**
 * Hand-written SQL queues on the same database, as bounds for the libraries.
 * ceiling: one-round-trip INSERT; batched claim (500 rows, SKIP LOCKED), deliver, DELETE;
 *          a statement trigger's NOTIFY wakes the consumer.
 * floor:   the naive version: BEGIN/INSERT/NOTIFY/COMMIT per message; one row per
 *          transaction on the consumer side; polling every 50 ms.
 */
export function rawSystem(variant) {
  return { name: `raw SQL (${variant})`, open: (url, scenario) => open(url, scenario, variant) };
}

async function open(url, scenario, variant) {
  const pool = ownedPool(url);
  await pool.query(schema);
  if (variant === 'ceiling' && scenario === 'latency') {
    await pool.query('CREATE TRIGGER wake AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_wake()');
  }
  let consumer;

  async function enqueue(i) {
    if (variant === 'ceiling') {
      await pool.query('INSERT INTO outbox (destination, payload) VALUES ($1, $2)', ['bench', { i }]);
      return;
    }
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO outbox (destination, payload) VALUES ($1, $2)', ['bench', { i }]);
      await client.query("SELECT pg_notify('outbox', '')");
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  }

  async function preload(n) {
    await pool.query(
      "INSERT INTO outbox (destination, payload) SELECT 'bench', jsonb_build_object('i', g) FROM generate_series(0, $1 - 1) g",
      [n],
    );
  }

  async function startConsumer({ deliver, concurrency }) {
    consumer = variant === 'ceiling' ? batchConsumer(url, deliver, concurrency) : naiveConsumer(pool, deliver, concurrency);
    await consumer.ready;
  }

  async function settled() {
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM outbox');
    return rows[0].n === 0;
  }

  async function close() {
    await consumer?.stop();
    await pool.end();
  }

  return { enqueue, preload, startConsumer, settled, close };
}

function batchConsumer(url, deliver, concurrency) {
  const pool = ownedPool(url, 3);
  const listener = new pg.Client({ connectionString: url });
  let stopped = false;
  let wake = () => {};
  const loops = [];
  const drainOnce = async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query(
        'SELECT id, payload FROM outbox ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED',
      );
      await eachLimit(rows, concurrency, (row) => deliver(row.payload));
      if (rows.length > 0) await client.query('DELETE FROM outbox WHERE id = ANY($1)', [rows.map((r) => r.id)]);
      await client.query('COMMIT');
      return rows.length;
    } finally {
      client.release();
    }
  };
  const loop = async () => {
    while (!stopped) {
      const n = await drainOnce();
      if (n === 0) await new Promise((resolve) => { wake = resolve; setTimeout(resolve, 1000); });
    }
  };
  const ready = (async () => {
    await listener.connect();
    listener.on('notification', () => wake());
    await listener.query('LISTEN outbox');
    for (let i = 0; i < 2; i++) loops.push(loop());
  })();
  return {
    ready,
    async stop() {
      stopped = true;
      wake();
      await Promise.all(loops);
      await listener.end();
      await pool.end();
    },
  };
}

function naiveConsumer(pool, deliver, concurrency) {
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      const client = await pool.connect();
      let found = 0;
      try {
        await client.query('BEGIN');
        const { rows } = await client.query('SELECT id, payload FROM outbox ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED');
        found = rows.length;
        if (rows[0]) {
          await deliver(rows[0].payload);
          await client.query('DELETE FROM outbox WHERE id = $1', [rows[0].id]);
        }
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      if (found === 0) await new Promise((r) => setTimeout(r, 50));
    }
  };
  const loops = Array.from({ length: Math.min(concurrency, 10) }, loop);
  return { ready: Promise.resolve(), stop: async () => { stopped = true; await Promise.all(loops); } };
}
