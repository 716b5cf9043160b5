/**
 * Flags: ns/op of one evaluation in a request (target ≤ 100 ns) beside unleash-client,
 * and the HTTP cost of one flag evaluation per request: Express + observe() with and
 * without `req.ballast.flag()` (target ≥ 0.99x), bare Express for reference. Every
 * repetition starts fresh server processes and measures the variants in rotated order.
 *
 *   npx --yes pnpm@10.34.8 build && node bench/flags/run.mjs [--ops=2000000] [--runs=7] [--seconds=10] [--reps=5] [--connections=50]
 *   smoke: node bench/flags/run.mjs --ops=20000 --runs=1 --seconds=1 --reps=1 --warmup=0.5
 */
import { LOAD_CORE, runJson, startServer } from '../http/lib/child.mjs';
import { runMicro } from './micro.mjs';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const config = { ops: arg('ops', 2_000_000), runs: arg('runs', 7), seconds: arg('seconds', 10), reps: arg('reps', 5), warmup: arg('warmup', 3), connections: arg('connections', 50) };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`flag() in process: ${config.ops} ops x ${config.runs} runs, median ns/op (target <= 100 ns)\n`);
const micro = await runMicro(config);
const peer = micro['unleash-client isEnabled (same decision)'];
for (const [name, ns] of Object.entries(micro)) {
  console.log(`  ${name.padEnd(52)} ${ns.toFixed(1).padStart(9)} ns/op   ${(peer / ns).toFixed(1).padStart(6)}x faster than unleash-client`);
}

const names = ['bare', 'observe', 'observe+flag'];
const load = (url, seconds) => runJson(new URL('./load.mjs', import.meta.url), [`${url}checkout`, String(seconds), String(config.connections)], { core: LOAD_CORE });
const rps = Object.fromEntries(names.map((n) => [n, []]));
console.log(`\nHTTP, Express 5: ${config.reps} reps x ${config.seconds}s, ${config.connections} connections, fresh servers each rep`);
for (let rep = 0; rep < config.reps; rep++) {
  const order = names.map((_, i) => names[(i + rep) % names.length]);
  for (const name of order) {
    const server = await startServer(new URL('./server.mjs', import.meta.url), [name]);
    try {
      await load(server.url, config.warmup);
      const run = await load(server.url, config.seconds);
      if (run.non2xx + run.errors > 0) throw new Error(`${name}: ${run.non2xx} non-2xx, ${run.errors} errors`);
      rps[name].push(run.requestsPerSecond);
      console.log(`  rep ${rep + 1} ${name.padEnd(13)} ${Math.round(run.requestsPerSecond)} req/s`);
    } finally {
      await server.stop();
    }
  }
}
const m = Object.fromEntries(names.map((n) => [n, median(rps[n])]));
console.log('\n  variant         median req/s   vs observe   vs bare');
for (const n of names) console.log(`  ${n.padEnd(15)} ${String(Math.round(m[n])).padStart(12)}   ${(m[n] / m.observe).toFixed(3).padStart(9)}x  ${(m[n] / m.bare).toFixed(3).padStart(7)}x`);
console.log(`\n  one flag() per request: ${(m['observe+flag'] / m.observe).toFixed(3)}x of the same app without it (target >= 0.99x)`);
