// Outbox benchmark: Ballast side by side with graphile-worker 0.17, pg-boss 10
// and hand-written SQL (floor and ceiling). Needs PostgreSQL (DATABASE_URL, or
// postgres://postgres@127.0.0.1:5432) and a built @ballast/core (`pnpm build`).
// Options: --only=<substring of a system name>, --scenarios=enqueue,drain,http,latency, --quick (shorter runs),
// sizes --drain=100000 --concurrency=32 --producers=10 --enqueue-ms --enqueue-rounds --latency-rate --latency-ms (per round) --latency-rounds (or BENCH_DRAIN=...),
// --ballast-remote (Ballast enqueues from an instance without a worker, as another process would).
import { mkdir, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { dropDatabase, freshDatabase, waitFor } from './lib/db.mjs';
import { closedLoop, openLoop, percentile } from './lib/measure.mjs';
import { makePoster, startReceiver } from './lib/receiver.mjs';
import { printLatencyVerdict, printTable } from './lib/table.mjs';
import { ballastSystem, ballastWideSystem } from './systems/ballast.mjs';
import { graphileSystem } from './systems/graphile.mjs';
import { pgBossSystem } from './systems/pgboss.mjs';
import { rawSystem } from './systems/raw.mjs';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const quick = args.has('quick');
/** A size from `--name=N`, else the env var BENCH_<NAME>, else the default (`--quick` defaults in brackets). */
const size = (name, full, short) => Number(args.get(name) ?? process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`] ?? (quick ? short : full));
const settings = {
  producers: size('producers', 10, 10),
  enqueueMs: size('enqueue-ms', 2000, 1000),
  enqueueRounds: size('enqueue-rounds', 7, 3),
  drainCount: size('drain', 100_000, 5000),
  concurrency: size('concurrency', 32, 32),
  latencyRate: size('latency-rate', 200, 200),
  latencyMs: size('latency-ms', 5000, 2000),
  latencyRounds: size('latency-rounds', 8, 3),
};

const scenarios = new Set((args.get('scenarios') ?? 'enqueue,drain,http,latency').split(','));
const allSystems = [rawSystem('floor'), rawSystem('ceiling'), graphileSystem, pgBossSystem, ballastSystem, ballastWideSystem];
// --only=<part of a name>; a whole name (any case) picks that system alone (`--only=ballast` is not also the 256 variant).
const only = args.get('only')?.toLowerCase();
const exact = allSystems.filter((s) => s.name.toLowerCase() === only);
const systems = exact.length > 0 ? exact : allSystems.filter((s) => only === undefined || s.name.toLowerCase().includes(only));

async function withSystem(system, scenario, body) {
  const db = `bench_outbox_${system.name.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
  const url = await freshDatabase(db);
  const instance = await system.open(url, scenario);
  try {
    return await body(instance);
  } finally {
    await instance.close();
    await dropDatabase(db);
  }
}

/**
 * Enqueue throughput of every system, interleaved: each round gives every system one short
 * closed-loop run, in a rotated order; the median of the rounds counts. On a shared machine the
 * load drifts by 2x within a minute, and only interleaving makes the ratios mean something.
 */
async function enqueueRates(list) {
  const open = [];
  try {
    for (const system of list) {
      const db = `bench_outbox_enq_${system.name.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
      open.push({ system, db, instance: await system.open(await freshDatabase(db), 'enqueue'), rates: [] });
    }
    for (let round = 0; round < settings.enqueueRounds; round++) {
      for (let k = 0; k < open.length; k++) {
        const entry = open[(round + k) % open.length];
        entry.rates.push(await closedLoop(settings.producers, settings.enqueueMs, (i) => entry.instance.enqueue(i)));
      }
    }
    return new Map(open.map((e) => [e.system.name, median(e.rates)]));
  } finally {
    for (const e of open) {
      await e.instance.close();
      await dropDatabase(e.db);
    }
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function drainRate(system, http) {
  const receiver = http ? await startReceiver() : undefined;
  const post = http ? makePoster(receiver.url, settings.concurrency) : undefined;
  let noop = 0;
  const delivered = () => (http ? receiver.count : noop);
  try {
    return await withSystem(system, 'drain', async (s) => {
      await s.preload(settings.drainCount);
      const start = performance.now();
      const cpuBefore = process.cpuUsage();
      await s.startConsumer({
        concurrency: settings.concurrency,
        ...(http ? { httpUrl: receiver.url } : {}),
        deliver: http ? (payload) => post(payload) : async () => void noop++,
      });
      await waitFor(async () => delivered() >= settings.drainCount && (await s.settled()), 'the drain');
      const rate = settings.drainCount / ((performance.now() - start) / 1000);
      // This process's CPU (worker, pg client, receiver, bench) per message: steadier under load than the rate.
      const cpu = process.cpuUsage(cpuBefore);
      return { rate, cpuUs: (cpu.user + cpu.system) / settings.drainCount };
    });
  } finally {
    post?.close();
    await receiver?.close();
  }
}

/**
 * Enqueue → delivery latency of every system, in interleaved rounds: all systems open at once (each
 * consumer running), each round an open loop of `latencyRate`/s for `latencyMs` per system in a rotated
 * order. A round's tail moves with the machine's load from one moment to the next: only rounds taken
 * side by side make the comparison a verdict rather than one draw. Returns, per system, p50/p99 over
 * all rounds' samples and each round's p50/p99.
 */
async function latencies(list) {
  const open = [];
  try {
    for (const system of list) {
      const db = `bench_outbox_lat_${system.name.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
      const entry = { system, db, instance: await system.open(await freshDatabase(db), 'latency'), sentAt: new Map(), samples: [], rounds: [], next: 0 };
      open.push(entry);
      await entry.instance.startConsumer({
        concurrency: settings.concurrency,
        deliver: async (payload) => {
          const t0 = entry.sentAt.get(payload.i);
          if (t0 !== undefined) entry.samples.push(performance.now() - t0);
        },
      });
    }
    for (let round = 0; round < settings.latencyRounds; round++) {
      for (let k = 0; k < open.length; k++) {
        const entry = open[(round + k) % open.length];
        entry.samples = [];
        const total = await openLoop(settings.latencyRate, settings.latencyMs, () => {
          const i = entry.next++;
          entry.sentAt.set(i, performance.now());
          return entry.instance.enqueue(i);
        });
        await waitFor(async () => entry.samples.length >= total, `every latency sample of ${entry.system.name}`, 60_000);
        entry.rounds.push(entry.samples.sort((a, b) => a - b));
      }
    }
    return new Map(
      open.map(({ system, rounds }) => {
        const all = rounds.flat().sort((a, b) => a - b);
        const perRound = rounds.map((r) => ({ p50: percentile(r, 50), p99: percentile(r, 99) }));
        return [system.name, { p50: percentile(all, 50), p99: percentile(all, 99), rounds: perRound }];
      }),
    );
  } finally {
    for (const e of open) {
      await e.instance.close();
      await dropDatabase(e.db);
    }
  }
}

async function step(label, measure) {
  process.stderr.write(` ${label}…`);
  return measure();
}

const results = new Map(systems.map((s) => [s.name, {}]));
const runs = (system, scenario) => scenarios.has(scenario) && (system.only ?? [scenario]).includes(scenario);
if (scenarios.has('enqueue')) {
  process.stderr.write(`enqueue, ${settings.enqueueRounds} interleaved rounds…\n`);
  for (const [name, rate] of await enqueueRates(systems.filter((s) => runs(s, 'enqueue')))) results.get(name).enqueue = rate;
}
for (const system of systems) {
  const r = results.get(system.name);
  process.stderr.write(`${system.name}:`);
  if (runs(system, 'drain')) ({ rate: r.drainNoop, cpuUs: r.drainNoopCpuUs } = await step('drain (no-op)', () => drainRate(system, false)));
  if (runs(system, 'http')) ({ rate: r.drainHttp, cpuUs: r.drainHttpCpuUs } = await step('drain (HTTP)', () => drainRate(system, true)));
  process.stderr.write('\n');
}
if (scenarios.has('latency')) {
  process.stderr.write(`latency, ${settings.latencyRounds} interleaved rounds of ${settings.latencyMs / 1000} s at ${settings.latencyRate}/s…\n`);
  for (const [name, latency] of await latencies(systems.filter((s) => runs(s, 'latency')))) results.get(name).latency = latency;
}

printTable(results, settings);
printLatencyVerdict(results, settings);
const file = new URL(`../results/outbox-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url);
await mkdir(new URL('.', file), { recursive: true });
await writeFile(file, JSON.stringify({ settings, results: Object.fromEntries(results) }, null, 2));
console.log(`\nwritten: ${fileURLToPath(file)}`);
