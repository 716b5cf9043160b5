/**
 * Client CPU per confirmed publish: Ballast vs the raw client, in the
 * conditions of run.mjs (BENCH_WINDOW publishes in flight, the same body).
 * CPU time of this process (process.cpuUsage, user + system) divided by the
 * messages confirmed; unlike a wall-clock rate it holds up on a busy machine.
 *
 *   node bench/pubsub/cpu.mjs [redis-streams|nats-jetstream|amqp ...]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/pubsub/cpu.mjs redis-streams
 *
 * Sizes: BENCH_MESSAGES (20000), BENCH_WINDOW (64), BENCH_ROUNDS (3, alternating raw and Ballast).
 */
import { brokerOptions, publishBody, rawClients, throughput } from './common.mjs';
import { createBallast } from '../../packages/core/dist/index.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const types = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const message = { orderId: '42', totalCents: 1999, currency: 'EUR', paid: true };
const topic = `bench.cpu.${Date.now().toString(36)}`;

/** Microseconds of this process's CPU per message. */
async function cpuPerMessage(publish) {
  await throughput(publish, Math.min(1000, MESSAGES), WINDOW); // warm-up
  const before = process.cpuUsage();
  await throughput(publish, MESSAGES, WINDOW);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / MESSAGES;
}

console.log(`Client CPU per confirmed publish (${MESSAGES} messages, ${WINDOW} in flight, best of ${ROUNDS})`);
console.log('broker           raw us/msg   ballast us/msg   ballast/raw');
for (const type of types.length > 0 ? types : Object.keys(rawClients)) {
  let raw = Infinity;
  let ours = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const client = await rawClients[type]();
    raw = Math.min(raw, await cpuPerMessage(() => client.publish(topic, publishBody(topic, message))));
    await client.close();
    const ballast = createBallast({ brokers: { b: brokerOptions[type] } });
    await ballast.start();
    ours = Math.min(ours, await cpuPerMessage(() => ballast.publish(topic, message)));
    await ballast.stop();
  }
  console.log(`${type.padEnd(16)} ${raw.toFixed(2).padStart(10)}   ${ours.toFixed(2).padStart(14)}   ${(ours / raw).toFixed(2)}x`);
}
