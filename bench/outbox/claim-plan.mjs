// The claim's and the ack's cost on a large backlog, for the exact statements Ballast's worker
// sends (captured from a warm-up delivery): ROWS pending rows (default 1,000,000) over 1,000 keys,
// over 1 key, and without keys. For each, another worker first holds a claim of 250 rows (the
// default batchSize) for 10 minutes (a running drain: the walk must skip the keys in flight
// without reading their waiting rows), then it times REPEAT claims (default 200) of each LIMIT
// (default 32 and 250 rows), every one in its own transaction with JIT off and prepared, as the
// worker runs it, rolled back so each sees the same backlog, and prints their median and p99
// (client side, the claim statement alone), the buffers one claim touches and the buffers per
// message of the ack of its batch (pg_stat_database counters: load-independent). Seeds each case
// with one INSERT ... SELECT generate_series (secondary indexes built after the load).
// Needs PostgreSQL (DATABASE_URL, or postgres://postgres@127.0.0.1:5432) and a built @ballast/core.
//   node bench/outbox/claim-plan.mjs [--rows=1000000] [--repeat=200] [--limits=32,250] [--cases=1000,1,unkeyed] [--plans]
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { dropDatabase, freshDatabase, ownedPool } from './lib/db.mjs';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const rows = Number(args.get('rows') ?? 1_000_000);
const repeat = Number(args.get('repeat') ?? 200);
const limits = (args.get('limits') ?? args.get('limit') ?? '32,250').split(',').map(Number);
const hold = 250; // the worker's default batchSize
const cases = (args.get('cases') ?? '1000,1,unkeyed').split(',');
const showPlans = args.has('plans');
const { createBallast } = await import(process.env.BALLAST_CORE ?? '@ballast/core');

/** The ack's parameters for a claimed batch, as the worker sends them (no ack-and-advance: each key is freed). */
const ackParams = (batch) => [
  batch.map((r) => r.id),
  batch.map((r) => r.attempts),
  'bench',
  batch.map((r) => r.lease_row),
  batch.map(() => false),
  0,
  batch.map((r) => r.row_id),
];
const schema = 'plan';
const log = (line) => process.stdout.write(`${line}\n`);

/** Counts every statement a pool's connections send; `capture(test)` keeps the first text that passes. */
function recordStatements(pool) {
  const seen = [];
  pool.on('connect', (client) => {
    const query = client.query.bind(client);
    client.query = (config, values, callback) => {
      const text = typeof config === 'string' ? config : config?.text;
      if (typeof text === 'string') seen.push(text);
      return query(config, values, callback);
    };
  });
  return { find: (test) => seen.find(test), clear: () => (seen.length = 0) };
}

/** Runs Ballast's worker on two keyed messages and returns the claim and ack texts it sent. */
async function captureStatements(pool, recorder) {
  let delivered = 0;
  const ballast = createBallast({
    outbox: { database: pool, schema, destinations: { d: { deliver: async () => void delivered++ } }, worker: { pollIntervalMs: 20 } },
  });
  await ballast.start();
  try {
    await ballast.outbox.enqueue('d', {}, { key: 'warm-up' });
    await ballast.outbox.enqueue('d', {}, { key: 'warm-up' });
    const deadline = Date.now() + 60_000;
    while (delivered < 2) {
      if (Date.now() > deadline) throw new Error('claim-plan: the warm-up deliveries did not happen within 60 s');
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    await ballast.stop();
  }
  const claim = recorder.find((t) => t.includes(`${schema}.outbox_keys`) && t.includes('FOR UPDATE OF o SKIP LOCKED'));
  const ack = recorder.find((t) => t.includes(`DELETE FROM ${schema}.outbox o`) && t.includes('unnest'));
  if (claim === undefined || ack === undefined) throw new Error('claim-plan: did not see the claim and ack statements (has their SQL changed?)');
  return { claim, ack };
}

const INDEXES = ['outbox_key_head', 'outbox_ready_unkeyed', 'outbox_dead', 'outbox_supplied_idempotency'];

/** ROWS pending rows over `keys` keys (`undefined`: no key), every key's lease row present and free. */
async function fill(pool, keys) {
  const started = performance.now();
  await pool.query(`TRUNCATE ${schema}.outbox, ${schema}.outbox_keys`);
  // Bulk load without the secondary indexes, then build them: several times faster than maintaining them row by row.
  const defs = (await pool.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = ANY($2)`, [schema, INDEXES])).rows;
  for (const { indexname } of defs) await pool.query(`DROP INDEX ${schema}.${indexname}`);
  await pool.query(
    `INSERT INTO ${schema}.outbox (destination, key, idempotency_key, payload, run_at)
     SELECT 'd', ${keys === undefined ? 'NULL' : `'key-' || lpad((i % ${keys})::text, 6, '0')`}, 'ik-' || i, jsonb_build_object('i', i), now() - interval '1 minute'
     FROM generate_series(1, $1) AS i`,
    [rows],
  );
  for (const { indexdef } of defs) await pool.query(indexdef);
  if (keys !== undefined) await pool.query(`INSERT INTO ${schema}.outbox_keys (destination, key) SELECT DISTINCT destination, key FROM ${schema}.outbox`);
  await pool.query(`VACUUM ANALYZE ${schema}.outbox`);
  await pool.query(`VACUUM ANALYZE ${schema}.outbox_keys`);
  return (performance.now() - started) / 1000;
}

/** Runs `fn(client)` in a transaction with JIT off (as the worker's claim runs), always rolled back. */
async function rolledBack(pool, fn) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL jit = off');
    return await fn(client);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

/**
 * Buffers (shared hit + read) the statements `fn(client)` runs in a rolled-back transaction touch,
 * from the database's own counters (`pg_stat_database`, flushed on demand, read from another
 * database): EXPLAIN's per-node counts miss a data-modifying CTE the statement does not read
 * (it runs after the plan). Nothing else uses this database.
 */
async function buffersOf(pool, admin, fn) {
  const client = await pool.connect();
  const read = async () => {
    await client.query('SELECT pg_stat_force_next_flush()'); // flushed when it goes idle after this
    await client.query('SELECT 1');
    const { rows } = await admin.query('SELECT pg_stat_clear_snapshot(), blks_hit + blks_read AS b FROM pg_stat_database WHERE datname = $1', [name]);
    return Number(rows[0].b);
  };
  const once = async () => {
    await client.query('BEGIN');
    await client.query('SET LOCAL jit = off');
    const result = await fn(client);
    await client.query('ROLLBACK');
    return result;
  };
  try {
    await once(); // warm: this connection's first planning reads the catalogs
    const before = await read();
    const result = await once();
    return { buffers: (await read()) - before, result };
  } finally {
    client.release();
  }
}

async function textPlan(pool, text, params) {
  return rolledBack(pool, async (client) =>
    (await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${text}`, params)).rows.map((r) => r['QUERY PLAN']).join('\n'),
  );
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

/** Median and p99 of `repeat` claims (each rolled back), the buffers of one, and of one ack of what it claimed. */
async function measureClaims(pool, admin, statements, label, afterKey) {
  for (const limit of limits) await measureLimit(pool, admin, statements, `${label}, limit ${limit}`, afterKey, limit);
}

async function measureLimit(pool, admin, statements, label, afterKey, limit) {
  const params = ['d', limit, 'bench', 30_000, afterKey];
  const times = [];
  for (let i = 0; i < repeat; i++) {
    await rolledBack(pool, async (client) => {
      const started = performance.now();
      // Named: prepared once per connection, as the worker's statements are (preparedStatements default).
      await client.query({ name: 'claim', text: statements.claim, values: params });
      times.push(performance.now() - started);
    });
  }
  times.sort((a, b) => a - b);
  const claim = await buffersOf(pool, admin, (client) => client.query(statements.claim, params));
  const claimed = claim.result.rowCount;
  // The ack of the claimed batch as the worker's AckBatcher sends it: its buffers less the claim's.
  const both = await buffersOf(pool, admin, async (client) => {
    const batch = (await client.query(statements.claim, params)).rows;
    await client.query(statements.ack, ackParams(batch));
  });
  const perRow = (n) => (claimed === 0 ? '-' : (n / claimed).toFixed(1));
  log(
    `  ${label.padEnd(46)} ${String(claimed).padStart(4)} rows  median ${percentile(times, 0.5).toFixed(2).padStart(6)} ms  p99 ${percentile(times, 0.99).toFixed(2).padStart(6)} ms  ` +
      `claim ${String(claim.buffers).padStart(5)} buffers (${perRow(claim.buffers)}/row)  ack ${perRow(both.buffers - claim.buffers)} buffers/row`,
  );
  if (!showPlans) return;
  log(`\n--- ${label}: claim\n${await textPlan(pool, statements.claim, params)}\n`);
  const ackPlan = await rolledBack(pool, async (client) => {
    const batch = (await client.query(statements.claim, params)).rows;
    const { rows: plan } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${statements.ack}`, ackParams(batch));
    return plan.map((r) => r['QUERY PLAN']).join('\n');
  });
  log(`--- ${label}: ack of the claimed batch\n${ackPlan}\n`);
}

async function measureCase(pool, admin, statements, keys) {
  const seeded = await fill(pool, keys);
  const label = keys === undefined ? 'no keys' : `${keys} key${keys === 1 ? '' : 's'}`;
  log(`  ${label}: seeded in ${seeded.toFixed(0)} s`);
  // One key, free: the claim takes its head (one row) without reading the key's waiting rows.
  if (keys === 1) await measureClaims(pool, admin, statements, `${label}, free`, '');
  // A running drain: another worker holds a full claim for 10 minutes.
  await pool.query(statements.claim, ['d', hold, 'holder', 600_000, '']);
  if (keys === undefined) return measureClaims(pool, admin, statements, `${label}`, '');
  // The worker resumes its walk after the last key it took (the keys after it were taken longest ago);
  // from the first key instead, the walk passes every key the holder has in flight: the worst case.
  const { rows: [{ last }] } = await pool.query(`SELECT max(key) AS last FROM ${schema}.outbox WHERE locked_by = 'holder'`);
  await measureClaims(pool, admin, statements, keys === 1 ? `${label}, in flight` : `${label}, after the cursor`, last ?? '');
  if (keys > 1) await measureClaims(pool, admin, statements, `${label}, from the first key (worst)`, '');
}

const name = 'bench_outbox_claim_plan';
const pool = ownedPool(await freshDatabase(name), 4);
const admin = new pg.Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
await admin.connect();
try {
  const recorder = recordStatements(pool);
  const statements = await captureStatements(pool, recorder);
  log(`claim plan: ${rows.toLocaleString('en')} pending rows, claims of up to ${limits.join(' and ')} rows while another worker holds ${hold}, ${repeat} claims per case, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const c of cases) await measureCase(pool, admin, statements, c === 'unkeyed' ? undefined : Number(c));
  log(`  target: <= 2 ms per claim at 1M rows over 1,000 keys and over 1 key; load average after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  await admin.end();
  await pool.end();
  await dropDatabase(name);
}
