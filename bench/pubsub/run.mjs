/**
 * Publish one, subscribe many: Ballast's brokers against the raw clients.
 *
 *   pnpm bench:pubsub          (builds, then node bench/pubsub/run.mjs)
 *   node bench/pubsub/run.mjs --quick   (tiny sizes: a smoke run, not a measurement)
 *
 * 1. Confirmed publish throughput and client CPU per publish, per broker:
 *    BENCH_ROUNDS (24) alternating pairs of rounds of BENCH_MESSAGES (5000)
 *    messages with BENCH_WINDOW (64) publishes in flight, each awaiting its
 *    confirm; Ballast (`ballast.publish`, one broker configured) vs the raw
 *    client with the same confirm (raw.mjs), both in this process. Ratios of
 *    medians with 95% bootstrap intervals; target: Ballast >= 0.9x raw.
 * 2. Publish -> handler latency per broker at BENCH_RATE msg/s (default 1000)
 *    for BENCH_SECONDS, through `ballast.subscribe` in the same process: p50, p99.
 * 3. Failover: time from SIGKILL of a Redis broker carrying the traffic to the
 *    first publish confirmed by another broker (NATS), BENCH_KILLS times. Target < 2 s.
 *    Needs redis-server on PATH (it starts its own on a free port).
 *
 * Brokers: REDIS_URL, NATS_URL, AMQP_URL (defaults: the local ports).
 */
import { brokerOptions, compareBroker, message, summarise, throughputHeader, throughputRow } from './common.mjs';
import { measureFailover } from './failover.mjs';
import { createBallast } from '../../packages/core/dist/index.js';

const quick = process.argv.includes('--quick');
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? (quick ? 200 : 5000));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? 2 : 24));
const WINDOW = Number(process.env.BENCH_WINDOW ?? 64);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? (quick ? 1 : 10));
const KILLS = Number(process.env.BENCH_KILLS ?? (quick ? 1 : 5));
const topic = `bench.${Date.now().toString(36)}`;

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function latency(type, option) {
  const ballast = createBallast({ brokers: { b: option } });
  await ballast.start();
  const samples = [];
  const subscription = ballast.subscribe(`${topic}.latency`, { group: `bench-${Date.now().toString(36)}` }, (m) => {
    samples.push(performance.timeOrigin + performance.now() - m.sentAt);
  });
  await subscription.ready();
  const total = RATE * SECONDS;
  const begin = performance.now();
  const pending = [];
  for (let i = 0; i < total; i++) {
    const wait = begin + (i * 1000) / RATE - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(ballast.publish(`${topic}.latency`, { ...message, sentAt: performance.timeOrigin + performance.now() }));
  }
  await Promise.all(pending);
  const deadline = Date.now() + 10_000;
  while (samples.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await ballast.stop();
  samples.sort((a, b) => a - b);
  return { type, received: samples.length, sent: total, p50Ms: quantile(samples, 0.5), p99Ms: quantile(samples, 0.99) };
}

// Table 1: raw and Ballast in alternating pairs of short rounds, both in this process (common.mjs).
const sizes = { rounds: ROUNDS, messages: MESSAGES, window: WINDOW };
const rows = [];
for (const type of Object.keys(brokerOptions)) rows.push(throughputRow(type, summarise(await compareBroker(type, sizes, topic))));
console.log(`\n${throughputHeader(sizes)}`);
for (const row of rows) console.log(row);

console.log(`\nPublish -> handler latency at ${RATE} msg/s for ${SECONDS} s`);
console.log('broker           received/sent   p50 ms   p99 ms');
for (const [type, option] of Object.entries(brokerOptions)) {
  const l = await latency(type, option);
  console.log(`${type.padEnd(16)} ${`${l.received}/${l.sent}`.padStart(13)}   ${l.p50Ms.toFixed(2).padStart(6)}   ${l.p99Ms.toFixed(2).padStart(6)}`);
}

const failover = await measureFailover({ nats: brokerOptions['nats-jetstream'], kills: KILLS });
console.log(`\nFailover: SIGKILL of the Redis broker carrying the traffic -> first publish confirmed by NATS (${KILLS} kills)`);
console.log(`times ms: ${failover.map((ms) => ms.toFixed(0)).join(', ')}   max ${Math.max(...failover).toFixed(0)} ms (target < 2000)`);
