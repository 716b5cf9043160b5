/**
 * Flags: ns/op of one evaluation in a request (target ≤ 100 ns) beside unleash-client,
 * and the HTTP cost of one flag evaluation per request: Express + observe() with and
 * without `req.ballast.flag()` (target ≥ 0.99x), bare Express for reference, with
 * autocannon and then wrk. Many short rounds, each with fresh servers of the three
 * variants started together and warmed one by one, then measured: with wrk all three at
 * the same time, sharing the server core (the median of each round's own ratios), with
 * autocannon one after the other in rotated order (the ratio of medians); the verdict
 * comes from the pairs (with flag, without) of each round, for req/s and for server CPU
 * time per request, each with a 95% bootstrap interval over whole pairs (bench/lib/paired.mjs).
 *
 *   npx --yes pnpm@10.34.8 build && node bench/flags/run.mjs      # about 23 minutes
 *   options: --ops=2000000 --runs=7 (in process); --rounds=24 --seconds=2 --warmup=8 (s per server) --connections=50 --tools=autocannon,wrk
 *   --together=1 (wrk: a round's servers measured at the same time; 0: each alone on the core, in turn)
 *   --windows=4 (wrk with --together=0: each server measured alone this many times, in turn, `seconds` each) (HTTP)
 *   --process=one (with --together=0: with and without the flag on two paths of one server process, see `oneProcessRound`)
 *   --process=aa (the same, but neither path evaluates the flag: the method's own control, its interval should hold 1.00)
 *   --interleave=200 (with --process=one or aa: the paths in one run of the load generator, taking turns every 200 ms,
 *     `seconds` a round; with one, /plain/, /flag/ and the /same/ control; see `interleavedRound`; the steadiest
 *     method on a VM whose speed swings)
 *   smoke: node bench/flags/run.mjs --ops=20000 --runs=1 --rounds=2 --seconds=1 --warmup=0.5
 */
import { loadavg } from 'node:os';
import { LOAD_CORE, runJson, startServer } from '../http/lib/child.mjs';
import { median } from '../http/lib/stats.mjs';
import { measureAlternating, measureTogether, pairStatistic, wrk, wrkInterleaved } from '../http/wrk.mjs';
import { comparePairs } from '../lib/paired.mjs';
import { groupSlices } from '../lib/slices.mjs';
import { runMicro } from './micro.mjs';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const config = {
  ops: arg('ops', 2_000_000),
  runs: arg('runs', 7),
  rounds: arg('rounds', 24),
  seconds: arg('seconds', 2),
  warmup: arg('warmup', 8),
  connections: arg('connections', 50),
  // 1: the three servers of a round are measured at the same time with wrk, sharing the server core (see `round`).
  together: arg('together', 1),
  // Not together: each server alone on the core this many times in turn (A B C, C B A, ...), `seconds` each time.
  windows: arg('windows', 4),
  // 'each': every variant its own fresh server process; 'one': with and without the flag in one process (see `oneProcessRound`);
  // 'aa': as 'one', both paths without the flag (the control of that method).
  process: process.argv.find((a) => a.startsWith('--process='))?.split('=')[1] ?? 'each',
  // With 'one' or 'aa': > 0 measures the paths in one run of the load generator, taking turns every this many ms (see `interleavedRound`).
  interleave: arg('interleave', 0),
  // Both load generators by default: a ratio both agree on is not one client's artefact.
  tools: (process.argv.find((a) => a.startsWith('--tools='))?.split('=')[1] ?? 'autocannon,wrk').split(','),
};
if (config.together !== 0 && config.together !== 1) throw new Error(`--together must be 0 or 1, got ${config.together}`);
if (!Number.isInteger(config.windows) || config.windows < 1) throw new Error(`--windows must be a whole number >= 1, got ${config.windows}`);
if (!['each', 'one', 'aa'].includes(config.process)) throw new Error(`--process must be each, one or aa, got ${config.process}`);
const oneProcess = config.process !== 'each';
if (!(config.interleave >= 0)) throw new Error(`--interleave must be 0 (off) or the milliseconds of a slice, got ${config.interleave}`);
const interleaved = config.interleave > 0;
if (interleaved && !oneProcess) throw new Error('--interleave takes turns between paths of one server: give --process=one (or aa)');
if (oneProcess && !interleaved && config.together === 1 && config.tools.includes('wrk')) throw new Error(`--process=${config.process} measures the two routes of one server in turn: give --together=0`);
const TARGET = 0.99;

console.log(`flag() in process: ${config.ops} ops x ${config.runs} runs, median ns/op (target <= 100 ns)\n`);
const micro = await runMicro(config);
const peer = micro['unleash-client isEnabled (same decision)'];
for (const [name, ns] of Object.entries(micro)) {
  console.log(`  ${name.padEnd(52)} ${ns.toFixed(1).padStart(9)} ns/op   ${(peer / ns).toFixed(1).padStart(6)}x faster than unleash-client`);
}

// Interleaved, `--process=one` runs its control alongside: `control` is a third path without the flag (`/same/`).
const names = !oneProcess ? ['bare', 'observe', 'observe+flag'] : interleaved && config.process === 'one' ? ['observe', 'observe+flag', 'control'] : ['observe', 'observe+flag'];
const HEADERS = { 'x-account-id': 'acct-42' };
const tools = {
  autocannon: (url, seconds) =>
    runJson(new URL('./load.mjs', import.meta.url), [`${url}checkout`, String(seconds), String(config.connections)], { core: LOAD_CORE }),
  wrk: (url, seconds) => wrk(`${url}checkout`, seconds, config.connections, HEADERS),
};

/** Whether `tool`'s runs measure a round's servers at the same time (wrk with `--together=1`). */
const together = (tool) => config.together === 1 && tool === 'wrk';

/** A measured run's req/s and server CPU per request (what a quiet, saturated core's req/s follows); throws on failed requests. */
function checked(run) {
  if (run.non2xx + (run.errors ?? 0) > 0) throw new Error(`${run.non2xx} non-2xx, ${run.errors ?? 0} errors`);
  return { requestsPerSecond: run.requestsPerSecond, cpuMicrosPerRequest: run.cpuMicrosPerRequest };
}

/** One measured run of one server, alone. */
async function measure(tool, server) {
  const before = await server.cpu();
  const run = await tools[tool](server.url, config.seconds);
  return checked({ ...run, cpuMicrosPerRequest: ((await server.cpu()) - before) / run.total });
}

/** One round: fresh servers of every variant, started together, each warmed alone, then measured in `order`. */
async function round(tool, order) {
  const started = await Promise.allSettled(names.map((name) => startServer(new URL('./server.mjs', import.meta.url), [name])));
  const servers = Object.fromEntries(started.flatMap((s, i) => (s.status === 'fulfilled' ? [[names[i], s.value]] : [])));
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    // One after the other, each alone on the server core: warmed at once they shared it, and the server
    // with the flag, slower per request, was measured less warm (0.942x with 1 s at once, 0.960-0.980x with 4 s).
    for (const name of names) await tools[tool](servers[name].url, config.warmup);
    return await measureRound(tool, servers, order);
  } finally {
    for (const server of Object.values(servers)) await server.stop();
  }
}

/** A round's measured runs of `servers` (by variant name), in `order`. */
async function measureRound(tool, servers, order) {
  if (tool === 'wrk') {
    // At the same time: a swing of the machine's speed slows all three alike, and each round's own ratios hold.
    // Else each alone on the core, `config.windows` times in turn (see `measureAlternating`).
    // Either way in the round's rotated order, so that none is always first.
    const measureWrk = together(tool) ? measureTogether : measureAlternating;
    const measured = await measureWrk(order.map((name) => servers[name]), config, { path: 'checkout', headers: HEADERS });
    return Object.fromEntries(order.map((name, i) => [name, checked(measured[i])]));
  }
  const runs = {};
  for (const name of order) runs[name] = await measure(tool, servers[name]);
  return runs;
}

/**
 * One round with `--process=one`: one fresh server (`routes` in server.mjs) whose
 * `/flag/checkout` evaluates the flag and `/plain/checkout` does not, each path warmed
 * alone, then measured in `order` like servers of their own: the two sides differ by
 * the flag alone, never by the process they run in.
 */
async function oneProcessRound(tool, order) {
  const server = await startServer(new URL('./server.mjs', import.meta.url), ['routes']);
  try {
    // `/same/`: a path as long as `/flag/` that does not evaluate the flag (`--process=aa`).
    const flagged = config.process === 'aa' ? 'same/' : 'flag/';
    if (interleaved) return await interleavedRound(tool, server, { observe: '/plain/checkout', 'observe+flag': `/${flagged}checkout`, control: '/same/checkout' }, order);
    const sides = { observe: { ...server, url: `${server.url}plain/` }, 'observe+flag': { ...server, url: `${server.url}${flagged}` } };
    for (const name of order) await tools[tool](sides[name].url, config.warmup);
    return await measureRound(tool, sides, order);
  } finally {
    await server.stop();
  }
}

/** One run of `tool` at `paths` of `server`, taking turns every `config.interleave` ms (bench/lib/slices.mjs). */
const interleavedTools = {
  wrk: (server, seconds, paths) => wrkInterleaved(server.url, seconds, config.connections, { paths, sliceMs: config.interleave, headers: HEADERS }),
  autocannon: async (server, seconds, paths) => {
    const args = [server.url, String(seconds), String(config.connections), String(config.interleave), ...paths];
    const run = await runJson(new URL('./load.mjs', import.meta.url), args, { core: LOAD_CORE });
    return { ...groupSlices(run.first, run.counts, config.interleave, paths.length), non2xx: run.non2xx, errors: run.errors };
  },
};

/**
 * A `--process=one` round with `--interleave`: the paths of `server` (by side name, the
 * sides in `order`) warmed together, then measured in one run of `tool` that takes turns
 * between them every `config.interleave` ms, slice `k` to `order[k % order.length]`:
 * over `config.seconds` they see the same machine, to within a few slices. With
 * `--process=one` a third path, `/same/` (no flag, like `/plain/`), runs alongside as
 * the method's control. Only req/s is split by path: the server's
 * CPU time is read for the whole run, and shown once, with how busy the server's core
 * was (under ~95%, the load generator, not the server, set the pace).
 */
async function interleavedRound(tool, server, paths, order) {
  const measure = (seconds) => interleavedTools[tool](server, seconds, order.map((name) => paths[name]));
  await measure(config.warmup);
  const before = await server.cpu();
  const started = performance.now();
  const run = await measure(config.seconds);
  const cpuMicros = (await server.cpu()) - before;
  const busy = cpuMicros / ((performance.now() - started) * 1000);
  if (run.non2xx + run.errors > 0) throw new Error(`${run.non2xx} non-2xx, ${run.errors} errors`);
  if (run.turns < 4) throw new Error(`only ${run.turns} whole turns of ${config.interleave} ms slices in ${config.seconds} s: give more --seconds or a shorter --interleave`);
  const total = run.sides.reduce((sum, side) => sum + side.total, 0);
  return Object.fromEntries(
    order.map((name, i) => [name, { requestsPerSecond: run.sides[i].requestsPerSecond, cpuMicrosPerRequest: cpuMicros / total, turns: run.turns, busy }]),
  );
}

const x = (v) => v.toFixed(3);
const interval = (m) => `${x(m.ratio)}x [${x(m.low)}-${x(m.high)}]`;

/**
 * `config.rounds` short rounds (see `round`), the order rotating so each variant runs
 * first, second and third alike; a round's runs are seconds apart, under the same load.
 * The pair that decides is (observe+flag, observe) of each round; (observe, bare) is for reference.
 */
async function httpPhase(tool) {
  const rounds = [];
  const when = interleaved
    ? `the paths in one ${tool} run, taking turns every ${config.interleave} ms`
    : together(tool)
      ? 'all three at the same time'
      : tool === 'wrk'
        ? `each alone, ${config.windows} times in turn`
        : 'one after the other';
  const where = !oneProcess
    ? 'fresh servers each round'
    : config.process === 'aa'
      ? 'one fresh server each round, two paths of it, NEITHER evaluating the flag (the control: observe+flag below is /same/)'
      : `one fresh server each round, with and without the flag on two paths of it${names.includes('control') ? ', and /same/ (no flag) alongside as the control' : ''}`;
  console.log(`\nHTTP with ${tool}, Express 5: ${config.rounds} rounds x ${config.seconds}s ${interleaved ? '(shared by the paths)' : 'per variant'}, ${when}, ${config.connections} connections, ${where}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (let r = 0; r < config.rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    // Each order in turn (for three sides, the six of them over six rounds); two interleaved paths swap slices every round.
    const twoInterleaved = interleaved && names.length === 2;
    const runs = await (oneProcess ? oneProcessRound : round)(tool, twoInterleaved || r % 6 < 3 ? order : [...order].reverse());
    rounds.push(runs);
    const perSide = (n) => `${n} ${String(Math.round(runs[n].requestsPerSecond)).padStart(6)} req/s` + (interleaved ? '' : ` ${runs[n].cpuMicrosPerRequest.toFixed(1).padStart(6)} us`);
    const shared = interleaved
      ? `   (${runs.observe.turns} turns; the run: ${runs.observe.cpuMicrosPerRequest.toFixed(1)} us cpu/req, server core ${Math.round(runs.observe.busy * 100)}% busy)`
      : '';
    console.log(`  round ${String(r + 1).padStart(2)}  ${names.map(perSide).join('   ')}${shared}`);
  }
  // Interleaved, a round's sides share the machine's speed to within a few slices: each round's own ratios are summarised.
  const statistic = interleaved ? 'median of ratios' : tool === 'wrk' ? pairStatistic({ together: together(tool), windows: config.windows }) : 'ratio of medians';
  // Interleaved, the server's CPU time is not split by path: no CPU ratio.
  const cpuKey = interleaved ? undefined : 'cpuMicrosPerRequest';
  const flag = comparePairs(rounds, { base: 'observe', other: 'observe+flag', rateKey: 'requestsPerSecond', cpuKey, target: TARGET, statistic });
  const medianOf = (name, key) => median(rounds.map((runs) => runs[name][key]));
  const sideMedians = (n) => `${n} ${Math.round(medianOf(n, 'requestsPerSecond'))} req/s` + (interleaved ? '' : `, ${medianOf(n, 'cpuMicrosPerRequest').toFixed(1)} us cpu/req`);
  const runMedian = interleaved ? `; the runs: ${medianOf('observe', 'cpuMicrosPerRequest').toFixed(1)} us cpu/req` : '';
  console.log(`\n  medians: ${names.map(sideMedians).join('; ')}${runMedian}`);
  if (names.includes('bare')) {
    const observe = comparePairs(rounds, { base: 'bare', other: 'observe', rateKey: 'requestsPerSecond', cpuKey: 'cpuMicrosPerRequest', statistic });
    console.log(`  observe() x bare (reference): req/s ${interval(observe.throughput)}, cpu ${interval(observe.cpu)}`);
  }
  if (names.includes('control')) {
    const control = comparePairs(rounds, { base: 'observe', other: 'control', rateKey: 'requestsPerSecond', statistic });
    const { throughput: t } = control;
    console.log(`  control alongside: /same/ x /plain/, no flag() on either: req/s ${interval(t)} (pairs ${x(t.pairLow)}-${x(t.pairHigh)}); should hold 1.00`);
  }
  console.log(
    `  ${config.process === 'aa' ? 'control: /same/ x /plain/, no flag() on either' : 'one flag() per request'} (${tool}), x the same app without it, ${statistic} [95% bootstrap, ${rounds.length} pairs], target >= ${TARGET}x:\n` +
      `    req/s ${interval(flag.throughput)} ${flag.throughput.verdict} (pairs ${x(flag.throughput.pairLow)}-${x(flag.throughput.pairHigh)})` +
      (flag.cpu === undefined ? '' : `\n    cpu   ${interval(flag.cpu)} ${flag.cpu.verdict}  (server CPU us per request, without / with)`),
  );
  return flag;
}

for (const tool of config.tools) await httpPhase(tool);
