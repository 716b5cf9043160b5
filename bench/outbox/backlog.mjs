// Ballast draining a large backlog: ROWS pending messages (default 1,000,000) without keys, then the
// same spread over KEYS keys (default 1,000), each drained by one worker with a no-op deliver.
// Every SAMPLE_MS (default 5 s) it samples the backlog, the throughput since the last sample and the
// worker process's heap. Prints both rates, the keyed/unkeyed ratio (target >= 0.8) and how far the
// heap strayed from its median (target +-10%), and writes an SVG chart of the keyed run to
// bench/outbox/backlog.svg (linked from the README) and the samples to bench/results/.
// The rows are inserted with one INSERT ... SELECT (an enqueue loop would take minutes at 1M).
// Needs PostgreSQL (DATABASE_URL, or postgres://postgres@127.0.0.1:5432) and a built @ballast/core.
// BALLAST_CORE=<path to a built index.js> measures another build; --chart=off leaves the chart as it is (runs
// smaller than the README's). Each run uses databases of its own (named after the process id).
//   node --expose-gc bench/outbox/backlog.mjs [--rows=1000000] [--keys=1000] [--sample-ms=5000] [--concurrency=16] [--modes=unkeyed,keyed] [--chart=off]
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { dropDatabase, freshDatabase, ownedPool } from './lib/db.mjs';
import { lineChartSvg } from './lib/chart.mjs';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const num = (name, fallback) => Number(args.get(name) ?? process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`] ?? fallback);
const rows = num('rows', 1_000_000);
const keys = num('keys', 1000);
const sampleMs = num('sample-ms', 5000);
const concurrency = args.has('concurrency') ? num('concurrency', 16) : undefined;
const modes = (args.get('modes') ?? 'unkeyed,keyed').split(',');
const { createBallast } = await import(process.env.BALLAST_CORE ?? '@ballast/core');
const destination = 'bench';
const schema = 'ballast';

async function fill(pool, keyed) {
  await pool.query(
    `INSERT INTO ${schema}.outbox (destination, key, idempotency_key, payload)
     SELECT $1, ${keyed ? `'key-' || lpad((i % $3)::text, 6, '0')` : 'NULL'}, 'ik-' || i, jsonb_build_object('i', i)
     FROM generate_series(1, $2) AS i`,
    keyed ? [destination, rows, keys] : [destination, rows],
  );
  await pool.query(`VACUUM ANALYZE ${schema}.outbox`);
}

async function drain(mode) {
  const name = `bench_outbox_backlog_${mode}_${process.pid}`;
  const url = await freshDatabase(name);
  const pool = ownedPool(url, 4);
  let consumer;
  try {
    const setup = createBallast({ outbox: { database: pool, schema, destinations: { [destination]: { deliver: async () => {} } }, worker: { enabled: false } } });
    await setup.start(); // migrations
    await setup.stop();
    await fill(pool, mode === 'keyed');
    let delivered = 0;
    consumer = createBallast({
      outbox: {
        database: url,
        schema,
        destinations: { [destination]: { deliver: async () => void delivered++ } },
        ...(concurrency === undefined ? {} : { worker: { concurrency } }),
      },
    });
    const samples = [];
    const start = performance.now();
    await consumer.start();
    let last = { t: 0, delivered: 0 };
    for (;;) {
      await new Promise((r) => setTimeout(r, Math.min(sampleMs, 1000)));
      const t = (performance.now() - start) / 1000;
      const done = delivered >= rows;
      if (!done && t - last.t < sampleMs / 1000) continue;
      const { rows: [{ n }] } = await pool.query(`SELECT count(*)::int AS n FROM ${schema}.outbox WHERE state = 'pending'`);
      globalThis.gc?.(); // with --expose-gc the sample is the live heap, not wherever the GC sawtooth happens to be
      const sample = { t, backlog: n, perSecond: (delivered - last.delivered) / (t - last.t), heapMB: process.memoryUsage().heapUsed / 2 ** 20 };
      samples.push(sample);
      process.stderr.write(`  ${mode} ${t.toFixed(0)}s: backlog ${n}, ${sample.perSecond.toFixed(0)}/s, heap ${sample.heapMB.toFixed(1)} MB\n`);
      last = { t, delivered };
      if (done && n === 0) break;
    }
    const seconds = (performance.now() - start) / 1000;
    return { mode, rate: rows / seconds, seconds, samples };
  } finally {
    await consumer?.stop();
    await pool.end();
    await dropDatabase(name);
  }
}

/** Largest distance of a heap sample from the samples' median, in percent (the first sample is warm-up). */
function heapSpread(samples) {
  const heap = samples.slice(1).map((s) => s.heapMB).sort((a, b) => a - b);
  if (heap.length === 0) return 0;
  const median = heap[Math.floor(heap.length / 2)];
  return Math.max(...heap.map((h) => Math.abs(h - median) / median)) * 100;
}

if (typeof globalThis.gc !== 'function') console.warn('run with node --expose-gc: heap samples are then the live heap, after a collection');
console.log(`backlog drain: ${rows.toLocaleString('en')} rows, keyed over ${keys} keys, sampled every ${sampleMs} ms, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const results = {};
for (const mode of modes) results[mode] = await drain(mode);
for (const r of Object.values(results)) {
  console.log(`  ${r.mode.padEnd(8)} ${r.rate.toFixed(0).padStart(8)} msg/s  (${r.seconds.toFixed(1)} s)  heap within ±${heapSpread(r.samples).toFixed(1)}% of its median`);
}
if (results.keyed && results.unkeyed) console.log(`  keyed / unkeyed: ${(results.keyed.rate / results.unkeyed.rate).toFixed(2)}x (target >= 0.8)`);
console.log(`  load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

const charted = results.keyed ?? results.unkeyed;
if (charted && args.get('chart') !== 'off') {
  const svg = lineChartSvg({
    title: `Ballast: ${rows.toLocaleString('en')}-row backlog ${charted.mode === 'keyed' ? `over ${keys} keys` : 'without keys'}, no-op deliver`,
    xLabel: 'seconds',
    left: [{ label: 'backlog', unit: 'messages', color: '#1f77b4', points: charted.samples.map((s) => [s.t, s.backlog]) }],
    right: [{ label: 'throughput', unit: 'msg/s', color: '#d62728', points: charted.samples.map((s) => [s.t, s.perSecond]) }],
  });
  const chart = new URL('./backlog.svg', import.meta.url);
  await writeFile(chart, svg);
  console.log(`chart: ${fileURLToPath(chart)}`);
}
const file = new URL(`../results/outbox-backlog-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url);
await mkdir(new URL('.', file), { recursive: true });
await writeFile(file, JSON.stringify({ rows, keys, sampleMs, results }, null, 2));
console.log(`written: ${fileURLToPath(file)}`);
