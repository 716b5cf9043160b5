/**
 * Table 1 of run.mjs alone, for some brokers: confirmed publish throughput and
 * client CPU per publish, Ballast vs the raw client with the same confirm, in
 * alternating pairs of short rounds (common.mjs `comparePaired`), with the
 * ratios' 95% intervals and a verdict against 0.9x. CPU per message (this
 * process's process.cpuUsage, user + system) holds up on a busy machine where a
 * rate does not.
 *
 *   node bench/pubsub/cpu.mjs [redis-streams|nats-jetstream|amqp ...]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/pubsub/cpu.mjs amqp
 *
 * Sizes: BENCH_ROUNDS (24 pairs), BENCH_MESSAGES (5000 per round), BENCH_WINDOW (64 in flight).
 * What it published is deleted at the end. BENCH_VERBOSE=1 prints every round as JSON.
 */
import { compareBroker, rawClients, summarise, throughputHeader, throughputRow } from './common.mjs';

const sizes = {
  rounds: Number(process.env.BENCH_ROUNDS ?? 24),
  messages: Number(process.env.BENCH_MESSAGES ?? 5000),
  window: Number(process.env.BENCH_WINDOW ?? 64),
};
const types = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const topic = `bench.cpu.${Date.now().toString(36)}`;

console.log(throughputHeader(sizes));
for (const type of types.length > 0 ? types : Object.keys(rawClients)) {
  const pairs = await compareBroker(type, sizes, topic);
  if (process.env.BENCH_VERBOSE === '1') console.log(JSON.stringify({ type, pairs }));
  console.log(throughputRow(type, summarise(pairs)));
}
