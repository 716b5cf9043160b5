/**
 * Publish one, subscribe many: Ballast's brokers against the raw clients.
 *
 *   pnpm bench:pubsub          (builds, then node bench/pubsub/run.mjs)
 *   node bench/pubsub/run.mjs --quick   (tiny sizes: a smoke run, not a measurement)
 *
 * 1. Confirmed publish throughput per broker: BENCH_MESSAGES messages with
 *    BENCH_WINDOW publishes in flight, each awaiting its confirm; Ballast
 *    (`ballast.publish`, one broker configured) vs the raw client with the same
 *    confirm (raw.mjs). Target: Ballast >= 0.9x raw.
 * 2. Publish -> handler latency per broker at BENCH_RATE msg/s (default 1000)
 *    for BENCH_SECONDS, through `ballast.subscribe` in the same process: p50, p99.
 * 3. Failover: time from SIGKILL of a Redis broker carrying the traffic to the
 *    first publish confirmed by another broker (NATS), BENCH_KILLS times. Target < 2 s.
 *    Needs redis-server on PATH (it starts its own on a free port).
 *
 * Brokers: REDIS_URL, NATS_URL, AMQP_URL (defaults: the local ports).
 */
import { brokerOptions, publishBody, rawClients, throughput } from './common.mjs';
import { measureFailover } from './failover.mjs';
import { createBallast } from '../../packages/core/dist/index.js';

const quick = process.argv.includes('--quick');
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? (quick ? 200 : 20_000));
const WINDOW = Number(process.env.BENCH_WINDOW ?? 64);
const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? (quick ? 1 : 10));
const KILLS = Number(process.env.BENCH_KILLS ?? (quick ? 1 : 5));
const message = { orderId: '42', totalCents: 1999, currency: 'EUR', paid: true };
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

// Raw and Ballast alternate (raw first, then Ballast first, ...), each round on warm clients, so
// neither side always runs on the longer stream or the warmer process; the table gives medians.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rows = [];
for (const [type, option] of Object.entries(brokerOptions)) {
  const client = await rawClients[type]();
  const ballast = createBallast({ brokers: { b: option } });
  await ballast.start();
  const raw = () => client.publish(topic, publishBody(topic, message));
  const viaBallast = () => ballast.publish(topic, message);
  await throughput(raw, Math.min(500, MESSAGES), WINDOW); // warm-up
  await throughput(viaBallast, Math.min(500, MESSAGES), WINDOW);
  const rawRates = [];
  const ballastRates = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      rawRates.push(await throughput(raw, MESSAGES, WINDOW));
      ballastRates.push(await throughput(viaBallast, MESSAGES, WINDOW));
    } else {
      ballastRates.push(await throughput(viaBallast, MESSAGES, WINDOW));
      rawRates.push(await throughput(raw, MESSAGES, WINDOW));
    }
  }
  await ballast.stop();
  await client.close();
  const ratios = rawRates.map((r, i) => ballastRates[i] / r);
  rows.push({ type, rawRate: median(rawRates), ballastRate: median(ballastRates), low: Math.min(...ratios), high: Math.max(...ratios) });
}

console.log(`\nConfirmed publish throughput (${MESSAGES} messages, ${WINDOW} in flight, median of ${ROUNDS} alternating rounds)`);
console.log('broker           raw msg/s   ballast msg/s   ratio   (per-round range)');
for (const r of rows) {
  console.log(`${r.type.padEnd(16)} ${r.rawRate.toFixed(0).padStart(9)}   ${r.ballastRate.toFixed(0).padStart(13)}   ${(r.ballastRate / r.rawRate).toFixed(2)}x   (${r.low.toFixed(2)}–${r.high.toFixed(2)})`);
}

console.log(`\nPublish -> handler latency at ${RATE} msg/s for ${SECONDS} s`);
console.log('broker           received/sent   p50 ms   p99 ms');
for (const [type, option] of Object.entries(brokerOptions)) {
  const l = await latency(type, option);
  console.log(`${type.padEnd(16)} ${`${l.received}/${l.sent}`.padStart(13)}   ${l.p50Ms.toFixed(2).padStart(6)}   ${l.p99Ms.toFixed(2).padStart(6)}`);
}

const failover = await measureFailover({ nats: brokerOptions['nats-jetstream'], kills: KILLS });
console.log(`\nFailover: SIGKILL of the Redis broker carrying the traffic -> first publish confirmed by NATS (${KILLS} kills)`);
console.log(`times ms: ${failover.map((ms) => ms.toFixed(0)).join(', ')}   max ${Math.max(...failover).toFixed(0)} ms (target < 2000)`);
