/**
 * The verdict pass: the Ballast throughput variants, the no-op floors and a bare
 * control, each against its bare baseline with wrk (Debian package `wrk`) as the
 * load generator, in many short alternating pairs of fresh servers (`runWrk`);
 * ratios of medians with 95% bootstrap intervals and a verdict per target.
 *
 *   BENCH_ONLY=wrk node bench/http/run.mjs
 */
import { spawn } from 'node:child_process';
import { activeVariants, baselineOf, floors } from './lib/apps.mjs';
import { LOAD_CORE, startServer } from './lib/child.mjs';
import { comparePairs } from '../lib/paired.mjs';

const serverScript = new URL('./server.mjs', import.meta.url);

/** Requests per second and the total served, from one wrk run (its `Requests/sec:` and `N requests in` lines). */
export function wrk(url, seconds, connections, headers = {}) {
  return new Promise((resolve, reject) => {
    // wrk takes whole seconds only.
    const args = ['-t1', `-c${connections}`, `-d${Math.max(1, Math.round(seconds))}s`, ...Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]), url];
    const pin = process.env.BENCH_NO_PIN !== '1';
    const child = spawn(pin ? 'taskset' : 'wrk', pin ? ['-c', LOAD_CORE, 'wrk', ...args] : args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
    child.on('error', (error) => reject(new Error(`wrk could not start (apt-get install -y wrk): ${error.message}`)));
    // 'close', not 'exit': the process may exit before its stdout has been read to the end (seen: exit 0, no output).
    child.on('close', (code) => {
      const match = /Requests\/sec:\s+([\d.]+)/.exec(out);
      const total = /(\d+) requests in/.exec(out);
      const failed = /Non-2xx or 3xx responses: (\d+)/.exec(out);
      if (code !== 0 || match === null || total === null) reject(new Error(`wrk exited with ${code}: ${out.slice(-300)}`));
      else resolve({ requestsPerSecond: Number(match[1]), total: Number(total[1]), non2xx: failed === null ? 0 : Number(failed[1]) });
    });
  });
}

/** One measured wrk run, with the server's CPU time per request served. */
async function measure(server, config) {
  const cpuBefore = await server.cpu();
  const run = await wrk(server.url, config.seconds, config.connections);
  const cpuAfter = await server.cpu();
  return { ...run, cpuMicrosPerRequest: (cpuAfter - cpuBefore) / run.total };
}

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
 * each, the variant first in every other pair. Pairs rotate through the
 * variants round by round, so slow drifts of the machine land on all alike; a
 * pair's two runs are seconds apart, under the same load. Ratios of medians
 * (req/s, and server CPU time per request) with 95% bootstrap intervals over
 * pairs (bench/lib/paired.mjs) and a verdict per target; the no-op floors and
 * a bare control (its interval should hold 1.00) are paired the same way.
 *
 * @param config {{ seconds: number, warmupSeconds: number, rounds: number, connections: number, log: (line: string) => void }}
 */
export async function runWrk(config) {
  const bareOnes = new Set(activeVariants().filter((name) => name.endsWith('bare')));
  const names = [...activeVariants().filter((name) => name.includes('ballast') || name.endsWith('(control)')), ...Object.keys(floors)];
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
        const order = (round + i) % 2 === 0 ? ['bare', 'layered'] : ['layered', 'bare'];
        const measured = {};
        for (const side of order) measured[side] = await measure(side === 'bare' ? base : variant, config);
        return measured;
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
    ...comparePairs(pairs[name], { base: 'bare', other: 'layered', rateKey: 'requestsPerSecond', cpuKey: 'cpuMicrosPerRequest', target: WRK_TARGETS[name] }),
    failures: pairs[name].reduce((sum, p) => sum + p.layered.non2xx + p.bare.non2xx, 0),
    pairs: pairs[name],
  }));
}
