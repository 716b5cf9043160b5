// What run.mjs, cpu.mjs and publisher.mjs share: the broker URLs and options, the raw clients,
// the publish loop and the paired raw-vs-Ballast comparison.
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { rawAmqp, rawNats, rawRedis } from './raw.mjs';
import { comparePairs } from '../lib/paired.mjs';
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

/**
 * What the paired rounds say. `rate`: Ballast's msg/s over raw's (ratio of
 * medians); `cpu`: raw's CPU per message over Ballast's, the rate ratio a
 * client saturating its core shows, and far steadier on a busy machine. Each
 * with its 95% bootstrap interval and a verdict against `target`
 * (bench/lib/paired.mjs: `meets`, `misses`, `undecided`, `too few`).
 */
export function summarise(pairs, target = 0.9) {
  const c = comparePairs(pairs, { base: 'raw', other: 'ballast', rateKey: 'rate', cpuKey: 'cpuUs', target });
  return { raw: c.raw, ballast: c.ballast, rate: c.throughput, cpu: c.cpu };
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
