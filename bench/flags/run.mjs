/**
 * Flags: ns/op of one evaluation in a request (target ≤ 100 ns) beside unleash-client,
 * and the HTTP cost of one flag evaluation per request: Express + observe() with and
 * without `req.ballast.flag()` (target ≥ 0.99x), bare Express for reference, with
 * autocannon and then wrk. Every repetition starts fresh server processes and
 * measures the variants in rotated order; besides req/s it reports the server's
 * CPU time per request, the figure a quiet machine's req/s ratio follows.
 *
 *   npx --yes pnpm@10.34.8 build && node bench/flags/run.mjs      # about 9 minutes
 *   options: --ops=2000000 --runs=7 (in process); --seconds=8 --reps=7 --warmup=2 --connections=50 --tools=autocannon,wrk (HTTP)
 *   smoke: node bench/flags/run.mjs --ops=20000 --runs=1 --seconds=1 --reps=1 --warmup=0.5
 */
import { LOAD_CORE, runJson, startServer } from '../http/lib/child.mjs';
import { wrk } from '../http/wrk.mjs';
import { runMicro } from './micro.mjs';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const config = {
  ops: arg('ops', 2_000_000),
  runs: arg('runs', 7),
  seconds: arg('seconds', 8),
  reps: arg('reps', 7),
  warmup: arg('warmup', 2),
  connections: arg('connections', 50),
  // Both load generators by default: a ratio both agree on is not one client's artefact.
  tools: (process.argv.find((a) => a.startsWith('--tools='))?.split('=')[1] ?? 'autocannon,wrk').split(','),
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`flag() in process: ${config.ops} ops x ${config.runs} runs, median ns/op (target <= 100 ns)\n`);
const micro = await runMicro(config);
const peer = micro['unleash-client isEnabled (same decision)'];
for (const [name, ns] of Object.entries(micro)) {
  console.log(`  ${name.padEnd(52)} ${ns.toFixed(1).padStart(9)} ns/op   ${(peer / ns).toFixed(1).padStart(6)}x faster than unleash-client`);
}

const names = ['bare', 'observe', 'observe+flag'];
const HEADERS = { 'x-account-id': 'acct-42' };
const tools = {
  autocannon: (url, seconds) =>
    runJson(new URL('./load.mjs', import.meta.url), [`${url}checkout`, String(seconds), String(config.connections)], { core: LOAD_CORE }),
  wrk: (url, seconds) => wrk(`${url}checkout`, seconds, config.connections, HEADERS),
};

/** One measured run with the server's CPU time per request served (what a quiet, saturated core's req/s follows). */
async function measure(tool, server) {
  const before = await server.cpu();
  const run = await tools[tool](server.url, config.seconds);
  const after = await server.cpu();
  if (run.non2xx + (run.errors ?? 0) > 0) throw new Error(`${run.non2xx} non-2xx, ${run.errors} errors`);
  return { requestsPerSecond: run.requestsPerSecond, cpuMicros: after - before, requests: run.total, cpuMicrosPerRequest: (after - before) / run.total };
}

/**
 * Every repetition starts fresh servers for all variants (start order alternating),
 * warms each, then measures them in rotated order; the ratios are taken within a
 * repetition, and their median and spread reported.
 */
async function httpPhase(tool) {
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  console.log(`\nHTTP with ${tool}, Express 5: ${config.reps} reps x ${config.seconds}s, ${config.connections} connections, fresh servers each rep`);
  for (let rep = 0; rep < config.reps; rep++) {
    const servers = new Map();
    try {
      for (const name of rep % 2 === 0 ? names : [...names].reverse()) servers.set(name, await startServer(new URL('./server.mjs', import.meta.url), [name]));
      for (const name of names) await tools[tool](servers.get(name).url, config.warmup);
      for (const name of names.map((_, i) => names[(i + rep) % names.length])) {
        const run = await measure(tool, servers.get(name));
        runs[name].push(run);
        console.log(`  rep ${rep + 1} ${name.padEnd(13)} ${String(Math.round(run.requestsPerSecond)).padStart(6)} req/s  ${run.cpuMicrosPerRequest.toFixed(1).padStart(6)} us cpu/req`);
      }
    } finally {
      for (const server of servers.values()) await server.stop();
    }
  }
  const ratio = (name, base) => ({
    rps: names.includes(base) ? runs[name].map((r, rep) => r.requestsPerSecond / runs[base][rep].requestsPerSecond) : [],
    cpu: runs[name].map((r, rep) => runs[base][rep].cpuMicrosPerRequest / r.cpuMicrosPerRequest),
  });
  const spread = (xs) => `${median(xs).toFixed(3)} (${Math.min(...xs).toFixed(3)}-${Math.max(...xs).toFixed(3)})`;
  console.log('\n  variant         req/s   us cpu/req   x observe: req/s          cpu                  x bare: req/s             cpu');
  for (const n of names) {
    const o = ratio(n, 'observe');
    const b = ratio(n, 'bare');
    console.log(
      `  ${n.padEnd(13)} ${String(Math.round(median(runs[n].map((r) => r.requestsPerSecond)))).padStart(7)}   ${median(runs[n].map((r) => r.cpuMicrosPerRequest)).toFixed(1).padStart(10)}` +
        `   ${spread(o.rps).padEnd(24)} ${spread(o.cpu).padEnd(20)} ${spread(b.rps).padEnd(24)} ${spread(b.cpu)}`,
    );
  }
  const flag = ratio('observe+flag', 'observe');
  // Pooled over every rep: all the CPU time over all the requests, so a short or noisy rep weighs what it served.
  const pooled = (name) => runs[name].reduce((sum, r) => sum + r.cpuMicros, 0) / runs[name].reduce((sum, r) => sum + r.requests, 0);
  console.log(
    `\n  one flag() per request (${tool}): ${median(flag.rps).toFixed(3)}x req/s, ${median(flag.cpu).toFixed(3)}x by server CPU per request ` +
      `(pooled over the reps: ${(pooled('observe') / pooled('observe+flag')).toFixed(3)}x), of the same app without it (target >= 0.99x)`,
  );
  return { tool, runs, flagRatio: { rps: median(flag.rps), cpu: median(flag.cpu) } };
}

for (const tool of config.tools) await httpPhase(tool);
