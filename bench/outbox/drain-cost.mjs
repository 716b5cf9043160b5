// What one drained message costs PostgreSQL, in load-independent counts: ROWS pending messages
// (default 200,000) over KEYS keys (default 1,000; --keys=0 for none) drained by one worker with a
// no-op deliver, then per message: the statements the worker sent (round trips, by kind), the
// transactions committed in the database and the buffers read or hit (pg_stat_database: counted by
// the server, whatever the load), and with --wal the WAL bytes of records that touch the database
// (pg_walinspect; commit records are not attributed to a database, so they are not in it). Nothing
// else queries the database while it drains (no backlog sampling), so the counts are the worker's.
// Then the buffers per relation (heap, each index), and per table the updates (HOT among them),
// autovacuums and sequential scans. With --explain-ms=N every statement slower than N ms is logged
// to the server's log with its plan, timing and buffers (auto_explain, set on the bench database).
// Wall-clock rate is printed too but is only meaningful on a quiet machine.
// Needs PostgreSQL (DATABASE_URL, or postgres://postgres@127.0.0.1:5432) and a built @ballast/core.
//   node bench/outbox/drain-cost.mjs [--rows=200000] [--keys=1000] [--concurrency=16] [--wal] [--explain-ms=N]
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { dropDatabase, freshDatabase, ownedPool } from './lib/db.mjs';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const rows = Number(args.get('rows') ?? 200_000);
const keys = Number(args.get('keys') ?? 1000);
const concurrency = args.has('concurrency') ? Number(args.get('concurrency')) : undefined;
const wal = args.has('wal');
const explainMs = args.has('explain-ms') ? Number(args.get('explain-ms')) : undefined;
const { createBallast } = await import(process.env.BALLAST_CORE ?? '@ballast/core');
const destination = 'bench';
const schema = 'ballast';
const name = `bench_outbox_cost_${process.pid}`;

/** Kind of a statement the worker sent, for the per-kind counts. */
function kind(text) {
  if (/^(BEGIN|COMMIT|ROLLBACK)/.test(text)) return text.split(/\s/)[0];
  if (/^SET LOCAL/.test(text)) return 'SET LOCAL';
  if (/WITH RECURSIVE/.test(text)) return 'claim';
  if (/DELETE FROM \S+\.outbox o\s+USING unnest/.test(text)) return 'ack';
  return 'other';
}

/** Buffers read or hit per relation (heap, each index), and updates (HOT among them) and autovacuums per table: where the buffers go. */
async function relationCounters(client) {
  const { rows: io } = await client.query(
    `SELECT relname AS name, (coalesce(heap_blks_hit, 0) + coalesce(heap_blks_read, 0))::bigint AS buffers FROM pg_statio_user_tables WHERE schemaname = $1
     UNION ALL
     SELECT indexrelname, (idx_blks_hit + idx_blks_read)::bigint FROM pg_statio_user_indexes WHERE schemaname = $1`,
    [schema],
  );
  const { rows: tables } = await client.query(
    `SELECT relname AS name, n_tup_upd::bigint AS updates, n_tup_hot_upd::bigint AS hot, autovacuum_count::bigint AS autovacuums,
       seq_scan::bigint AS seq_scans, seq_tup_read::bigint AS seq_rows
     FROM pg_stat_user_tables WHERE schemaname = $1`,
    [schema],
  );
  return { io: new Map(io.map((r) => [r.name, Number(r.buffers)])), tables: new Map(tables.map((t) => [t.name, t])) };
}

/** The database's counters and the WAL position, read on a connection of their own (a long-lived one may be ended by other work on the server). */
async function databaseCounters() {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  try {
    const { rows: [c] } = await admin.query(
      `SELECT xact_commit::bigint AS commits, (blks_hit + blks_read)::bigint AS buffers, oid::text AS oid, pg_current_wal_lsn()::text AS lsn
       FROM pg_stat_database JOIN pg_database USING (datname) WHERE datname = $1`,
      [name],
    );
    return { commits: Number(c.commits), buffers: Number(c.buffers), oid: c.oid, lsn: c.lsn };
  } finally {
    await admin.end();
  }
}

/** Runs `f` on a connection of its own to `url`. */
async function withClient(url, f) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await f(client);
  } finally {
    await client.end();
  }
}

const url = await freshDatabase(name);
try {
  const setupPool = ownedPool(url, 2);
  const setup = createBallast({ outbox: { database: setupPool, schema, destinations: { [destination]: { deliver: async () => {} } }, worker: { enabled: false } } });
  await setup.start(); // migrations
  await setup.stop();
  await setupPool.query(
    `INSERT INTO ${schema}.outbox (destination, key, idempotency_key, payload)
     SELECT $1, ${keys > 0 ? `'key-' || lpad((i % ${keys})::text, 6, '0')` : 'NULL'}, 'ik-' || i, jsonb_build_object('i', i)
     FROM generate_series(1, $2) AS i`,
    [destination, rows],
  );
  await setupPool.query(`VACUUM ANALYZE ${schema}.outbox`);
  if (explainMs !== undefined) {
    const settings = ["session_preload_libraries = 'auto_explain'", `auto_explain.log_min_duration = '${explainMs}ms'`];
    for (const setting of [...settings, 'auto_explain.log_analyze = on', 'auto_explain.log_buffers = on']) {
      await setupPool.query(`ALTER DATABASE ${name} SET ${setting}`);
    }
  }
  if (wal) await setupPool.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
  await setupPool.end(); // a backend flushes its statistics when it exits
  await new Promise((r) => setTimeout(r, 1500));

  const statements = new Map();
  // Rows each claim leased, and per ack statement the rows it deleted and the keys' next rows it leased.
  const fed = { claimed: 0, emptyClaims: 0, acked: 0, advanced: 0 };
  const pool = ownedPool(url, 10);
  pool.on('connect', (client) => {
    const query = client.query.bind(client);
    client.query = (config, values, callback) => {
      const text = typeof config === 'string' ? config : config?.text;
      const k = typeof text === 'string' ? kind(text) : undefined;
      if (k !== undefined) statements.set(k, (statements.get(k) ?? 0) + 1);
      if (k !== 'claim' && k !== 'ack') return query(config, values, callback);
      const count = (answer) => {
        if (k === 'claim') {
          fed.claimed += answer.length;
          if (answer.length === 0) fed.emptyClaims++;
        } else for (const row of answer) fed[row.advanced ? 'advanced' : 'acked']++;
      };
      // pg.Pool#query passes a callback (as the last argument); a checked-out client is used with promises.
      const wrap = (cb) => (error, result) => {
        if (!error) count(result.rows);
        cb(error, result);
      };
      if (typeof callback === 'function') return query(config, values, wrap(callback));
      if (typeof values === 'function') return query(config, wrap(values));
      const result = query(config, values);
      result.then(({ rows: answer }) => count(answer), () => {});
      return result;
    };
  });
  const before = await databaseCounters();
  const relationsBefore = await withClient(url, relationCounters);
  let delivered = 0;
  const consumer = createBallast({
    outbox: {
      database: pool,
      schema,
      destinations: { [destination]: { deliver: async () => void delivered++ } },
      ...(concurrency === undefined ? {} : { worker: { concurrency } }),
    },
  });
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  await consumer.start();
  while (delivered < rows) await new Promise((r) => setTimeout(r, 50));
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await consumer.stop();
  await pool.end();
  await new Promise((r) => setTimeout(r, 1500));
  const after = await databaseCounters();
  const relationsAfter = await withClient(url, relationCounters);

  const per = (n) => (n / rows).toFixed(3);
  const total = [...statements.values()].reduce((a, b) => a + b, 0);
  console.log(`drain cost: ${rows.toLocaleString('en')} rows ${keys > 0 ? `over ${keys} keys` : 'without keys'}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`  per message: ${per(total)} statements (${[...statements].map(([k, n]) => `${k} ${per(n)}`).join(', ')}), ${per(after.commits - before.commits)} commits, ${(
    (after.buffers - before.buffers) / rows
  ).toFixed(1)} buffers, worker CPU ${((cpu.user + cpu.system) / rows).toFixed(1)} µs`);
  const claims = statements.get('claim') ?? 0;
  const acks = statements.get('ack') ?? 0;
  console.log(
    `  feeding: ${per(fed.claimed)} of each message leased by a claim, ${per(fed.advanced)} by an ack advancing its key; ` +
      `${(fed.claimed / Math.max(1, claims)).toFixed(1)} rows per claim (${fed.emptyClaims} of ${claims} claims empty), ` +
      `${(fed.acked / Math.max(1, acks)).toFixed(1)} acks and ${(fed.advanced / Math.max(1, acks)).toFixed(1)} advanced rows per ack statement`,
  );
  const byRelation = [...relationsAfter.io]
    .map(([rel, n]) => [rel, (n - (relationsBefore.io.get(rel) ?? 0)) / rows])
    .filter(([, n]) => n >= 0.05)
    .sort((a, b) => b[1] - a[1]);
  console.log(`  buffers per message by relation: ${byRelation.map(([rel, n]) => `${rel} ${n.toFixed(1)}`).join(', ')}`);
  for (const [table, t] of relationsAfter.tables) {
    const b = relationsBefore.tables.get(table);
    const updates = Number(t.updates) - Number(b?.updates ?? 0);
    if (updates === 0) continue;
    const hot = Number(t.hot) - Number(b?.hot ?? 0);
    const seq = (k) => Number(t[k]) - Number(b?.[k] ?? 0);
    console.log(
      `  ${table}: ${per(updates)} updates per message, ${((100 * hot) / updates).toFixed(0)}% HOT, ${seq('autovacuums')} autovacuums, ` +
        `${seq('seq_scans')} sequential scans reading ${per(seq('seq_rows'))} rows per message`,
    );
  }
  if (wal) {
    const walDb = new pg.Client({ connectionString: url });
    walDb.on('error', () => {}); // reading a long stretch of WAL under load: a lost connection only loses this figure
    await walDb.connect();
    const { rows: [w] } = await walDb.query(
      `SELECT coalesce(sum(record_length), 0)::bigint AS bytes FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn) WHERE block_ref LIKE $3`,
      [before.lsn, after.lsn, `%/${after.oid}/%`],
    );
    await walDb.end();
    console.log(`  WAL of records touching the database: ${(Number(w.bytes) / rows).toFixed(0)} bytes per message`);
  }
  console.log(`  wall clock (load-dependent): ${(rows / seconds).toFixed(0)} msg/s over ${seconds.toFixed(1)} s`);
} finally {
  await dropDatabase(name);
}
