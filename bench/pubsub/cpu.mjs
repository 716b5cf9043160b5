/**
 * Client CPU per confirmed publish: Ballast vs the raw client, in the
 * conditions of run.mjs (BENCH_WINDOW publishes in flight, the same body).
 * CPU time of this process (process.cpuUsage, user + system) divided by the
 * messages confirmed; unlike a wall-clock rate it holds up on a busy machine.
 *
 *   node bench/pubsub/cpu.mjs [redis-streams|nats-jetstream|amqp ...]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/pubsub/cpu.mjs redis-streams
 *
 * Sizes: BENCH_MESSAGES (20000), BENCH_WINDOW (64), BENCH_ROUNDS (5, alternating raw and Ballast;
 * medians and the per-round ratio range). What it published is deleted at the end.
 */
import { brokerOptions, publishBody, rawClients, throughput } from './common.mjs';
import { createBallast } from '../../packages/core/dist/index.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 64);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
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

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

console.log(`Client CPU per confirmed publish (${MESSAGES} messages, ${WINDOW} in flight, median of ${ROUNDS} alternating rounds)`);
console.log('broker           raw us/msg   ballast us/msg   ballast/raw   (per-round range)');
for (const type of types.length > 0 ? types : Object.keys(rawClients)) {
  // Warm clients for every round; raw and Ballast alternate which goes first, so neither always runs warmer.
  const client = await rawClients[type]();
  const ballast = createBallast({ brokers: { b: brokerOptions[type] } });
  await ballast.start();
  const raw = () => client.publish(topic, publishBody(topic, message));
  const viaBallast = () => ballast.publish(topic, message);
  const raws = [];
  const ours = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        raws.push(await cpuPerMessage(raw));
        ours.push(await cpuPerMessage(viaBallast));
      } else {
        ours.push(await cpuPerMessage(viaBallast));
        raws.push(await cpuPerMessage(raw));
      }
    }
  } finally {
    await ballast.stop();
    await client.remove(topic);
    await client.close();
  }
  const ratios = raws.map((r, i) => ours[i] / r);
  const [r, o] = [median(raws), median(ours)];
  console.log(
    `${type.padEnd(16)} ${r.toFixed(2).padStart(10)}   ${o.toFixed(2).padStart(14)}   ${(o / r).toFixed(2).padStart(10)}x   (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
  );
}
