// What run.mjs, cpu.mjs and publisher.mjs share: the broker URLs and options, the raw clients,
// the publish loop and the paired raw-vs-Ballast comparison.
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { rawAmqp, rawNats, rawRedis } from './raw.mjs';
import { median } from '../http/lib/stats.mjs';
import { createBallast } from '../../packages/core/dist/index.js';

export const urls = {
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  nats: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  amqp: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
};

/** Each broker as Ballast's `brokers` option takes it. */
export const brokerOptions = {
  'redis-streams': { type: 'redis-streams', url: urls.redis },
  'nats-jetstream': { type: 'nats-jetstream', servers: urls.nats },
  amqp: { type: 'amqp', url: urls.amqp },
};

/** The raw client of each broker, publishing with the confirm Ballast waits for. */
export const rawClients = {
  'redis-streams': () => rawRedis(urls.redis),
  'nats-jetstream': () => rawNats(urls.nats),
  amqp: () => rawAmqp(urls.amqp),
};

/** The message every bench publishes. */
export const message = { orderId: '42', totalCents: 1999, currency: 'EUR', paid: true };

/** Like Ballast, the raw publisher serialises each message with an id and a time. */
export const publishBody = (topic, message) => JSON.stringify({ id: randomUUID(), topic, publishedAt: new Date().toISOString(), message });

/** `count` confirmed publishes with `window` in flight; messages per second. */
export async function throughput(publish, count, window) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (next < count) {
        next++;
        await publish();
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

/** One round: its rate (messages per second) and this process's CPU (user + system) per message, in µs. */
async function round(publish, count, window) {
  const cpu = process.cpuUsage();
  const rate = await throughput(publish, count, window);
  const used = process.cpuUsage(cpu);
  return { rate, cpuUs: (used.user + used.system) / count };
}

/**
 * Raw and Ballast in the same process, on warm clients, in `rounds` pairs of
 * short rounds whose order alternates (raw then Ballast, Ballast then raw,
 * ...): the two sides of a pair run a moment apart, under the same load, and
 * neither side always runs first or on the warmer process.
 */
export async function comparePaired(sides, { rounds, messages, window }) {
  await throughput(sides.raw, Math.min(2000, messages), window); // warm-up
  await throughput(sides.ballast, Math.min(2000, messages), window);
  const pairs = [];
  for (let r = 0; r < rounds; r++) {
    const pair = {};
    for (const side of r % 2 === 0 ? ['raw', 'ballast'] : ['ballast', 'raw']) pair[side] = await round(sides[side], messages, window);
    pairs.push(pair);
  }
  return pairs;
}

/** Raw and Ballast (one broker, `type`), connected side by side in this process, compared by `comparePaired`; what they published is deleted after. */
export async function compareBroker(type, sizes, topic) {
  const client = await rawClients[type]();
  const ballast = createBallast({ brokers: { b: brokerOptions[type] } });
  await ballast.start();
  try {
    return await comparePaired({ raw: () => client.publish(topic, publishBody(topic, message)), ballast: () => ballast.publish(topic, message) }, sizes);
  } finally {
    await ballast.stop();
    await client.remove(topic);
    await client.close();
  }
}

/** A seeded generator (mulberry32): the bootstrap gives the same interval for the same rounds. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The ratio of medians `ratioOf(pairs)` and its 95% bootstrap interval:
 * pairs resampled with replacement (a pair stays whole, its two sides ran
 * under the same load), 2,000 times.
 */
function withInterval(pairs, ratioOf) {
  const random = seeded(12);
  const estimates = [];
  for (let b = 0; b < 2000; b++) {
    estimates.push(ratioOf(Array.from(pairs, () => pairs[Math.floor(random() * pairs.length)])));
  }
  estimates.sort((x, y) => x - y);
  return { ratio: ratioOf(pairs), low: estimates[Math.floor(0.025 * estimates.length)], high: estimates[Math.ceil(0.975 * estimates.length) - 1] };
}

const medianOf = (pairs, side, key) => median(pairs.map((p) => p[side][key]));

/**
 * What the paired rounds say. `rate`: Ballast's msg/s over raw's (ratio of
 * medians); `cpu`: raw's CPU per message over Ballast's, the rate ratio a
 * client saturating its core shows, and far steadier on a busy machine. Each
 * with its 95% interval and a verdict against `target`: `meets` when the
 * whole interval is at or above it, `misses` when it is wholly below, else
 * `undecided` (more rounds, or a quieter machine, would decide); `too few`
 * under 8 pairs.
 */
export function summarise(pairs, target = 0.9) {
  // Below 8 pairs a bootstrap interval means little (a --quick smoke run): no verdict.
  const verdict = ({ low, high }) => (pairs.length < 8 ? 'too few' : low >= target ? 'meets' : high < target ? 'misses' : 'undecided');
  const rate = withInterval(pairs, (ps) => medianOf(ps, 'ballast', 'rate') / medianOf(ps, 'raw', 'rate'));
  const cpu = withInterval(pairs, (ps) => medianOf(ps, 'raw', 'cpuUs') / medianOf(ps, 'ballast', 'cpuUs'));
  const perPair = pairs.map((p) => p.ballast.rate / p.raw.rate);
  return {
    raw: { rate: medianOf(pairs, 'raw', 'rate'), cpuUs: medianOf(pairs, 'raw', 'cpuUs') },
    ballast: { rate: medianOf(pairs, 'ballast', 'rate'), cpuUs: medianOf(pairs, 'ballast', 'cpuUs') },
    rate: { ...rate, verdict: verdict(rate), pairLow: Math.min(...perPair), pairHigh: Math.max(...perPair) },
    cpu: { ...cpu, verdict: verdict(cpu) },
  };
}

/** The throughput table's header and one row per broker. */
export function throughputHeader({ rounds, messages, window }) {
  return [
    `Confirmed publish throughput: ${rounds} alternating pairs of rounds of ${messages} messages, ${window} in flight; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    'rate: ballast/raw = ratio of median msg/s; cpu: raw/ballast = ratio of median client CPU µs per message; [95% bootstrap interval] verdict vs 0.9x',
    'broker           raw msg/s  ballast msg/s  rate ratio [95%]          verdict     pairs range  | raw µs  ballast µs  cpu ratio [95%]           verdict',
  ].join('\n');
}

export function throughputRow(type, s) {
  const x = (v) => v.toFixed(2);
  const interval = (m) => `${x(m.ratio)}x [${x(m.low)}–${x(m.high)}]`.padEnd(24);
  return [
    type.padEnd(16),
    s.raw.rate.toFixed(0).padStart(9),
    s.ballast.rate.toFixed(0).padStart(13),
    '',
    interval(s.rate),
    s.rate.verdict.padEnd(10),
    `${x(s.rate.pairLow)}–${x(s.rate.pairHigh)}`.padStart(11),
    ' |',
    x(s.raw.cpuUs).padStart(6),
    x(s.ballast.cpuUs).padStart(10),
    '',
    interval(s.cpu),
    s.cpu.verdict,
  ].join(' ');
}
