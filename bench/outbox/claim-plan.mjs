// The keyed claim's plan and cost on a large backlog: EXPLAIN (ANALYZE, BUFFERS) of the exact
// statement Ballast's worker sends, on ROWS pending rows (default 1,000,000) spread over 1,000 keys
// and over 1 key, and of the claim after it (the first claim's heads are in flight: the walk must
// skip them without reading their keys' waiting rows). Each claim runs in a rolled-back
// transaction, REPEAT times (default 7); the median execution time is printed with its plan.
// Needs PostgreSQL (DATABASE_URL, or postgres://postgres@127.0.0.1:5432) and a built @ballast/core.
//   node bench/outbox/claim-plan.mjs [--rows=1000000] [--repeat=7] [--limit=250] [--plans]
import { createBallast } from '@ballast/core';
import { dropDatabase, freshDatabase, ownedPool, waitFor } from './lib/db.mjs';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const rows = Number(args.get('rows') ?? 1_000_000);
const repeat = Number(args.get('repeat') ?? 7);
const limit = Number(args.get('limit') ?? 250);
const showPlans = args.has('plans');
const schema = 'plan';

/** Runs Ballast's worker on one message and keeps the text of the claim statement it sent. */
async function captureClaim(pool) {
  let claim;
  const query = pool.query.bind(pool);
  pool.query = (config, values) => {
    if (typeof config === 'object' && config.text.includes('INTO plan.outbox_keys AS k')) claim ??= config.text;
    return query(config, values);
  };
  let delivered = 0;
  const ballast = createBallast({
    outbox: { database: pool, schema, destinations: { d: { deliver: async () => void delivered++ } }, worker: { pollIntervalMs: 20 } },
  });
  await ballast.start();
  await ballast.outbox.enqueue('d', {}, { key: 'warm-up' });
  await waitFor(async () => delivered === 1 && claim !== undefined, 'the warm-up delivery');
  await ballast.stop();
  pool.query = query;
  return claim;
}

async function fill(pool, keys) {
  await pool.query(`TRUNCATE ${schema}.outbox, ${schema}.outbox_keys`);
  await pool.query(
    `INSERT INTO ${schema}.outbox (destination, key, idempotency_key, payload, run_at, created_at)
     SELECT 'd', 'key-' || lpad((i % $2)::text, 6, '0'), 'ik-' || i, '{"n":1}'::jsonb, now() - interval '1 minute', now()
     FROM generate_series(1, $1) AS i`,
    [rows, keys],
  );
  // Every key has been claimed before (its lease row exists, free): the steady state of a running outbox.
  await pool.query(`INSERT INTO ${schema}.outbox_keys (destination, key) SELECT DISTINCT destination, key FROM ${schema}.outbox`);
  await pool.query(`VACUUM ANALYZE ${schema}.outbox`);
  await pool.query(`VACUUM ANALYZE ${schema}.outbox_keys`);
}

/** EXPLAIN ANALYZE of one claim, rolled back: [execution ms, plan text, rows claimed]. */
async function explainOnce(pool, text, params) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, params);
    const [plan] = result.rows[0]['QUERY PLAN'];
    await client.query('ROLLBACK');
    const textPlan = await client.query('BEGIN').then(() => client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${text}`, params));
    await client.query('ROLLBACK');
    return { ms: plan['Execution Time'], planning: plan['Planning Time'], claimed: plan.Plan['Actual Rows'], plan: textPlan.rows.map((r) => r['QUERY PLAN']).join('\n') };
  } finally {
    client.release();
  }
}

async function measure(pool, text, params) {
  const runs = [];
  for (let i = 0; i < repeat; i++) runs.push(await explainOnce(pool, text, params));
  runs.sort((a, b) => a.ms - b.ms);
  return runs[Math.floor(runs.length / 2)];
}

const name = 'bench_outbox_claim_plan';
const pool = ownedPool(await freshDatabase(name), 4);
try {
  const claim = await captureClaim(pool);
  const load = (await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`claim plan: ${rows.toLocaleString('en')} pending rows, limit ${limit}, median of ${repeat}, load average ${load}`);
  const out = [];
  for (const keys of [1000, 1]) {
    await fill(pool, keys);
    const params = ['d', limit, 'explain', 30_000, ''];
    const first = await measure(pool, claim, params);
    // Steady state: a worker holds the first claim's heads in flight; the next claim must walk past them.
    await pool.query(claim, ['d', limit, 'holder', 600_000, '']);
    const next = await measure(pool, claim, ['d', limit, 'explain', 30_000, '']);
    for (const [label, r] of [[`${keys} key(s), first claim`, first], [`${keys} key(s), next claim`, next]]) {
      out.push({ label, ...r });
      console.log(`  ${label.padEnd(28)} ${r.ms.toFixed(2).padStart(8)} ms execution  ${r.planning.toFixed(2).padStart(6)} ms planning  ${String(r.claimed).padStart(4)} rows claimed`);
    }
  }
  if (showPlans) for (const r of out) console.log(`\n--- ${r.label} (${r.ms.toFixed(2)} ms)\n${r.plan}`);
} finally {
  await pool.end();
  await dropDatabase(name);
}
