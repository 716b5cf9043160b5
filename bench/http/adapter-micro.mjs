/**
 * In-process benchmark of a whole request through the framework, without the
 * network: node's own IncomingMessage/ServerResponse (no socket) are handed to
 * the app, the response is ended, then 'close' is emitted as the server would.
 * Bare and Ballast variants alternate in short rounds inside one process, so
 * the difference (CPU ns per request added by the layer) stays readable on a
 * busy machine where req/s swings. Prints a JSON summary on its last line.
 *
 *   node bench/http/adapter-micro.mjs
 */
import { oneRequest } from './lib/inprocess.mjs';
import { baselineOf, variants } from './lib/apps.mjs';

const requests = Number(process.env.BENCH_ADAPTER_REQUESTS ?? 500);
const rounds = Number(process.env.BENCH_ADAPTER_ROUNDS ?? 61);
const asked = (process.env.BENCH_ADAPTER_VARIANTS ?? '').split(',').filter(Boolean);
const ballastOnes = Object.keys(variants).filter((name) => name.includes('ballast') || name.endsWith('bare'));
// Every variant is compared with its bare baseline, so the baselines always run.
const chosen = [...new Set([...(asked.length > 0 ? asked : ballastOnes), ...(asked.length > 0 ? asked : ballastOnes).map(baselineOf)])];

/**
 * CPU time (user + system, this process) per request in ns: unlike wall time it
 * does not count the time the scheduler gave to other processes.
 */
async function nsPerRequest(listener) {
  const start = process.cpuUsage();
  for (let i = 0; i < requests; i++) await oneRequest(listener);
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / requests;
}

const apps = Object.fromEntries(chosen.map((name) => [name, variants[name]()]));
for (let i = 0; i < 3; i++) for (const name of chosen) await nsPerRequest(apps[name]); // warm-up: JIT
const samples = Object.fromEntries(chosen.map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < chosen.length; i++) {
    const name = chosen[(i + round) % chosen.length];
    samples[name].push(await nsPerRequest(apps[name]));
  }
}
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const results = {};
for (const name of chosen) {
  const base = baselineOf(name);
  // Per round: this variant minus its bare baseline of the same round.
  const added = samples[name].map((ns, round) => ns - samples[base][round]);
  results[name] = { medianNs: median(samples[name]), addedNs: median(added), addedMinNs: Math.min(...added), addedMaxNs: Math.max(...added) };
}
console.log(JSON.stringify({ requests, rounds, results }));
