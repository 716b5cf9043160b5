// What run.mjs and cpu.mjs share: the broker URLs and options, the raw clients, the publish loop.
import { randomUUID } from 'node:crypto';
import { rawAmqp, rawNats, rawRedis } from './raw.mjs';

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
