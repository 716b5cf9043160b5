// bench/fleet: how fast one retune reaches the fleet, and how an outbox drains
// with several workers. Needs a PostgreSQL server (DATABASE_URL); run `pnpm build` first.
//   node bench/fleet/run.mjs [--changes 100] [--messages 4000]
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createBallast } from '@ballast/core';
import { dropDatabase, freshDatabase, waitFor } from '../outbox/lib/db.mjs';

const { values } = parseArgs({ options: { changes: { type: 'string', default: '100' }, messages: { type: 'string', default: '4000' } } });
const CHANGES = Number(values.changes);
const MESSAGES = Number(values.messages);
const DELIVER_MS = 2;
const CONCURRENCY = 16;
const SECRET = 'bench-fleet-secret-0123456789';

if (!process.env.DATABASE_URL) {
  console.error('bench/fleet needs a PostgreSQL server: set DATABASE_URL (fleet mode cannot run on PGlite, which is single-process)');
  process.exit(1);
}

function spawnChild(file, settings) {
  const child = fork(fileURLToPath(new URL(file, import.meta.url)), [], {
    env: { ...process.env, BENCH_FLEET: JSON.stringify(settings) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = new Promise((resolve, reject) => {
    child.on('message', (m) => m.type === 'ready' && resolve(m));
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
  return { child, ready };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const summary = (samples) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) };
};
const ms = (v) => `${v.toFixed(1)} ms`;

/** PATCH through A, time until B, C and D have applied it. */
async function propagation(database) {
  const instances = ['A', 'B', 'C', 'D'].map(() => spawnChild('./instance.mjs', { database, secret: SECRET }));
  const [a] = await Promise.all(instances.map((i) => i.ready));
  const others = instances.slice(1);
  const perInstance = [];
  const perChange = [];
  for (let i = 1; i <= CHANGES; i++) {
    const value = 1000 + i;
    const arrivals = others.map(
      ({ child }) =>
        new Promise((resolve) => {
          const onMessage = (m) => {
            if (m.type !== 'applied' || m.maxConcurrent !== value) return;
            child.off('message', onMessage);
            resolve(m.at);
          };
          child.on('message', onMessage);
        }),
    );
    const sentAt = performance.timeOrigin + performance.now();
    const res = await fetch(`http://127.0.0.1:${a.adminPort}/limits/api`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify({ maxConcurrent: value }),
    });
    if (res.status !== 200) throw new Error(`PATCH answered ${res.status}: ${await res.text()}`);
    const delays = (await Promise.all(arrivals)).map((at) => at - sentAt);
    perInstance.push(...delays);
    perChange.push(Math.max(...delays));
  }
  for (const { child } of instances) child.send({ type: 'stop' });
  await Promise.all(instances.map(({ child }) => new Promise((r) => child.once('exit', r))));
  return { perInstance: summary(perInstance), perChange: summary(perChange) };
}

/** Preloads MESSAGES, starts `workers` processes at once, times the drain, collects every delivered key. */
async function drain(database, workers) {
  const producer = createBallast({ outbox: { database, destinations: { bench: { deliver: async () => {} } }, worker: { enabled: false } } });
  await producer.start();
  for (let i = 0; i < MESSAGES; i++) await producer.outbox.enqueue('bench', { i });
  const children = Array.from({ length: workers }, () => spawnChild('./worker.mjs', { database, deliverMs: DELIVER_MS, concurrency: CONCURRENCY }));
  await Promise.all(children.map((c) => c.ready));
  const started = performance.now();
  for (const { child } of children) child.send({ type: 'go' });
  await waitFor(async () => {
    const s = (await producer.outbox.stats()).bench;
    return s.pending === 0 && s.inFlight === 0;
  }, 'the outbox to drain');
  const seconds = (performance.now() - started) / 1000;
  const keys = (
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise((resolve) => {
            child.on('message', (m) => m.type === 'delivered' && resolve(m.keys));
            child.send({ type: 'stop' });
          }),
      ),
    )
  ).flat();
  await producer.stop();
  const unique = new Set(keys).size;
  return { perSecond: MESSAGES / seconds, seconds, delivered: keys.length, unique, doubles: keys.length - unique };
}

const name = `bench_fleet_${process.pid}`;
const database = await freshDatabase(name);
try {
  console.log(`Fleet propagation: ${CHANGES} PATCHes through instance A, each timed until B, C and D applied it`);
  const p = await propagation(database);
  console.log(`  per instance (${CHANGES * 3} samples): p50 ${ms(p.perInstance.p50)}  p99 ${ms(p.perInstance.p99)}  max ${ms(p.perInstance.max)}`);
  console.log(`  per change, slowest of B/C/D (${CHANGES}): p50 ${ms(p.perChange.p50)}  p99 ${ms(p.perChange.p99)}  max ${ms(p.perChange.max)}  (target p99 <= 200 ms)`);

  console.log(`\nOutbox drain: ${MESSAGES} messages, downstream takes ${DELIVER_MS} ms, concurrency ${CONCURRENCY} per worker`);
  const one = await drain(database, 1);
  const four = await drain(database, 4);
  for (const [label, r] of [['1 worker ', one], ['4 workers', four]]) {
    console.log(`  ${label}: ${r.perSecond.toFixed(0)} msg/s (${r.seconds.toFixed(2)} s), delivered ${r.delivered}, distinct ${r.unique}, double deliveries ${r.doubles}`);
  }
  console.log(`  4 workers / 1 worker: ${(four.perSecond / one.perSecond).toFixed(2)}x  (machine: ${(await import('node:os')).cpus().length} cores, shared)`);
  if (one.doubles + four.doubles > 0 || one.unique !== MESSAGES || four.unique !== MESSAGES) process.exitCode = 1;
} finally {
  await dropDatabase(name);
}
