/**
 * A publishing process for callgrind.mjs: one warm raw client and one warm
 * Ballast (one broker, `type`) in the same process. Over IPC it is told
 * `{ side: 'raw' | 'ballast', count }`, publishes `count` confirmed messages
 * with BENCH_WINDOW in flight, and answers `{ done: true }`.
 *
 *   node bench/pubsub/publisher.mjs <redis-streams|nats-jetstream|amqp>   (started by callgrind.mjs)
 */
import { brokerOptions, message, publishBody, rawClients, throughput } from './common.mjs';
import { createBallast } from '../../packages/core/dist/index.js';

const type = process.argv[2];
const WINDOW = Number(process.env.BENCH_WINDOW ?? 64);
const topic = `bench.cg.${Date.now().toString(36)}`;

const client = await rawClients[type]();
// Under callgrind a confirm takes far longer than the default 500 ms; the deadlines cost the same either way.
const ballast = createBallast({ brokers: { b: brokerOptions[type] }, messaging: { confirmTimeoutMs: 60_000, publishTimeoutMs: 120_000 } });
await ballast.start();
const sides = {
  raw: () => client.publish(topic, publishBody(topic, message)),
  ballast: () => ballast.publish(topic, message),
};

process.on('message', async ({ side, count, stop }) => {
  if (stop) {
    await ballast.stop();
    await client.remove(topic);
    await client.close();
    process.disconnect();
    return;
  }
  await throughput(sides[side], count, WINDOW);
  process.send({ done: true });
});
process.send({ ready: true });
