/**
 * The verdict pass: the Ballast throughput variants, the no-op floors and a bare
 * control, each against its bare baseline with wrk (Debian package `wrk`) as the
 * load generator, in many short alternating pairs of fresh servers (`runWrk`);
 * ratios of medians with 95% bootstrap intervals and a verdict per target.
 *
 *   BENCH_ONLY=wrk node bench/http/run.mjs
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { activeVariants, baselineOf, floors } from './lib/apps.mjs';
import { LOAD_CORE, startServer } from './lib/child.mjs';
import { comparePairs } from '../lib/paired.mjs';
import { groupSlices } from '../lib/slices.mjs';

const serverScript = new URL('./server.mjs', import.meta.url);

/** Runs wrk with `args`, pinned to the load core (unless BENCH_NO_PIN=1); resolves with its stdout once it exits 0. */
function runWrkProcess(args) {
  return new Promise((resolve, reject) => {
    const pin = process.env.BENCH_NO_PIN !== '1';
    const child = spawn(pin ? 'taskset' : 'wrk', pin ? ['-c', LOAD_CORE, 'wrk', ...args] : args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
    child.on('error', (error) => reject(new Error(`wrk could not start (apt-get install -y wrk): ${error.message}`)));
    // 'close', not 'exit': the process may exit before its stdout has been read to the end (seen: exit 0, no output).
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk exited with ${code}: ${out.slice(-300)}`))));
  });
}

/** wrk's arguments for one thread, `connections` connections, `seconds` (whole: wrk takes no fractions) and `headers`. */
const wrkArgs = (seconds, connections, headers) => [
  '-t1',
  `-c${connections}`,
  `-d${Math.max(1, Math.round(seconds))}s`,
  ...Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
];

/** The count wrk prints of responses other than 2xx or 3xx (0 when it prints none). */
const non2xxOf = (out) => Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);

/** The socket errors wrk prints (`Socket errors: connect 0, read 0, write 0, timeout 0`), summed; 0 when it prints none. */
const socketErrorsOf = (out) =>
  (/Socket errors: (.*)/.exec(out)?.[1] ?? '')
    .split(',')
    .map((part) => Number(/\d+/.exec(part)?.[0] ?? 0))
    .reduce((a, b) => a + b, 0);

/** Requests per second and the total served, from one wrk run (its `Requests/sec:` and `N requests in` lines). */
export async function wrk(url, seconds, connections, headers = {}) {
  const out = await runWrkProcess([...wrkArgs(seconds, connections, headers), url]);
  const match = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in/.exec(out);
  if (match === null || total === null) throw new Error(`wrk printed no totals: ${out.slice(-300)}`);
  return { requestsPerSecond: Number(match[1]), total: Number(total[1]), non2xx: non2xxOf(out) };
}

const interleaveScript = fileURLToPath(new URL('./interleave.lua', import.meta.url));

/**
 * One wrk run at several paths of one server (`url` + each of `paths`), taking
 * turns every `sliceMs` of the clock, all connections together (interleave.lua);
 * per path, requests and req/s over whole turns (bench/lib/slices.mjs, which
 * says what the method can and cannot tell).
 */
export async function wrkInterleaved(url, seconds, connections, { paths, sliceMs, headers = {} }) {
  const out = await runWrkProcess([...wrkArgs(seconds, connections, headers), '-s', interleaveScript, url, '--', String(sliceMs), ...paths]);
  const line = out.split('\n').find((l) => l.startsWith('slices '));
  if (line === undefined) throw new Error(`wrk printed no slices: ${out.slice(-300)}`);
  const [first, ...counts] = line.slice('slices '.length).split(' ').map(Number);
  // `slices`: the raw counts, slice `first + i` holding `counts[i]` (bench/flags/perf.mjs attributes samples by them).
  return { ...groupSlices(first, counts, sliceMs, paths.length), slices: { first, counts }, non2xx: non2xxOf(out), errors: socketErrorsOf(out) };
}

/**
 * One wrk run at each of `servers` at the same time (one wrk process each, all on
 * the load core), with each server's CPU time per request served; a single server
 * is measured alone. Servers measured together share the server core, so a change
 * in the machine's speed during the run slows them alike, and the ratio of their
 * req/s is the ratio of their CPU costs. `path` is appended to each server's URL
 * (which ends in `/`).
 */
export async function measureTogether(servers, config, { path = '', headers = {} } = {}) {
  const before = await Promise.all(servers.map((server) => server.cpu()));
  const runs = await Promise.all(servers.map((server) => wrk(`${server.url}${path}`, config.seconds, config.connections, headers)));
  const after = await Promise.all(servers.map((server) => server.cpu()));
  return runs.map((run, i) => ({ ...run, cpuMicrosPerRequest: (after[i] - before[i]) / run.total }));
}

/**
 * Each of `servers` measured alone, `config.windows` times in turn, the order reversed
 * every other time (A B, B A, A B, ...): a drift of the machine's speed within the
 * round lands on all of them alike, and no server shares the core with another while
 * it is measured (measured together, the servers' code and data evict each other from
 * the core's caches at every switch, which weighs on the one with more code on its
 * request path; a server deployed one per core does not pay that). Per server: req/s
 * over its windows, requests served, non-2xx, and CPU time per request.
 */
export async function measureAlternating(servers, config, options = {}) {
  const sums = servers.map(() => ({ seconds: 0, total: 0, cpuMicros: 0, non2xx: 0 }));
  for (let window = 0; window < config.windows; window++) {
    const order = servers.map((_, i) => i);
    if (window % 2 === 1) order.reverse();
    for (const i of order) {
      const [run] = await measureTogether([servers[i]], config, options);
      const sum = sums[i];
      sum.seconds += run.total / run.requestsPerSecond;
      sum.total += run.total;
      sum.cpuMicros += run.cpuMicrosPerRequest * run.total;
      sum.non2xx += run.non2xx;
    }
  }
  return sums.map((sum) => ({ requestsPerSecond: sum.total / sum.seconds, total: sum.total, non2xx: sum.non2xx, cpuMicrosPerRequest: sum.cpuMicros / sum.total }));
}

/** How a pair's ratios are summarised: each pair's own ratio once its sides are measured under the same conditions. */
export const pairStatistic = (config) => (config.together || config.windows > 1 ? 'median of ratios' : 'ratio of medians');

/** Issue 9's targets, as users mount Ballast (req/s and CPU per request, x bare); floors and controls have none. */
export const WRK_TARGETS = {
  'express + ballast limit': 0.97,
  'express + ballast observe+limit': 0.95,
  'koa + ballast limit': 0.97,
  'koa + ballast observe+limit': 0.97,
};

/** Starts `names` side by side; stops them all when `use` is done. */
async function withServers(names, use) {
  const started = await Promise.allSettled(names.map((name) => startServer(serverScript, [name])));
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return await use(started.map((s) => s.value));
  } finally {
    for (const s of started) if (s.status === 'fulfilled') await s.value.stop();
  }
}

/**
 * Many short pairs, each a variant and its bare baseline: two fresh server
 * processes (same history: started together, each warmed alone for as long), then one wrk run
 * each. Pairs rotate through the variants round by round, so slow drifts of the
 * machine land on all alike. Ratios (req/s, and server CPU time per request)
 * with 95% bootstrap intervals over pairs (bench/lib/paired.mjs) and a verdict
 * per target; the no-op floors and a bare control (its interval should hold
 * 1.00) are paired the same way.
 *
 * With `together` (the default of run.mjs), a pair's two servers are measured at
 * the same time, sharing the server core (`measureTogether`), and each pair's own
 * ratio is summarised (median of ratios), which holds while the machine's speed
 * swings (README: bench/flags' pairs, with and without one flag, ranged 0.87-1.06
 * that way and 0.59-1.25 one after the other, in the same hour). Without it each is
 * measured alone on the core, `windows` times in turn (`measureAlternating`), the
 * variant first in every other pair; with two or more windows each pair's own ratio
 * is summarised too, with one the medians of each side are compared.
 *
 * @param config {{ seconds: number, warmupSeconds: number, rounds: number, connections: number, together: boolean, windows: number, variants?: string[], log: (line: string) => void }}
 */
export async function runWrk(config) {
  const bareOnes = new Set(activeVariants().filter((name) => name.endsWith('bare')));
  const all = [...activeVariants().filter((name) => name.includes('ballast') || name.endsWith('(control)')), ...Object.keys(floors)];
  const names = config.variants === undefined ? all : all.filter((name) => config.variants.includes(name));
  if (names.length === 0) throw new Error(`BENCH_WRK_VARIANTS matches none of: ${all.join(', ')}`);
  const pairs = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < config.rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length];
      const baseline = baselineOf(name);
      if (!bareOnes.has(baseline)) throw new Error(`no bare baseline for ${name}`);
      const pair = await withServers([baseline, name], async ([base, variant]) => {
        // One after the other, each alone on the server core: warmed at once, the two shared it, each got half
        // the warm-up, and the cheaper server served more requests of it (the heavier one was measured less warm).
        for (const server of [base, variant]) await wrk(server.url, config.warmupSeconds, config.connections);
        // The variant goes first in every other pair: its wrk process starts first (together), or it is measured first (alone, in turn).
        const bareFirst = (round + i) % 2 === 0;
        const measure = config.together ? measureTogether : measureAlternating;
        const [first, second] = await measure(bareFirst ? [base, variant] : [variant, base], config);
        return bareFirst ? { bare: first, layered: second } : { bare: second, layered: first };
      });
      pairs[name].push(pair);
      config.log(
        `wrk round ${round + 1}/${config.rounds} ${name}: ${(pair.layered.requestsPerSecond / pair.bare.requestsPerSecond).toFixed(3)}x req/s, ` +
          `${(pair.bare.cpuMicrosPerRequest / pair.layered.cpuMicrosPerRequest).toFixed(3)}x cpu ` +
          `(${Math.round(pair.layered.requestsPerSecond)} vs ${Math.round(pair.bare.requestsPerSecond)} req/s)` +
          (pair.layered.non2xx + pair.bare.non2xx > 0 ? `, non2xx ${pair.layered.non2xx + pair.bare.non2xx}` : ''),
      );
    }
  }
  return names.map((name) => ({
    variant: name,
    baseline: baselineOf(name),
    target: WRK_TARGETS[name],
    pairCount: pairs[name].length,
    ...comparePairs(pairs[name], { base: 'bare', other: 'layered', rateKey: 'requestsPerSecond', cpuKey: 'cpuMicrosPerRequest', target: WRK_TARGETS[name], statistic: pairStatistic(config) }),
    failures: pairs[name].reduce((sum, p) => sum + p.layered.non2xx + p.bare.non2xx, 0),
    pairs: pairs[name],
  }));
}
