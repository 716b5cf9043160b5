/**
 * Confirm mode: the Ballast throughput variants and their bare baselines again,
 * with wrk (Debian package `wrk`) as the load generator instead of autocannon,
 * so a ratio does not depend on one client's own overhead. Fresh server
 * processes every repetition, variants interleaved in a rotated order; the ratio
 * is taken per repetition against the bare server of the same framework.
 *
 *   BENCH_ONLY=wrk node bench/http/run.mjs
 */
import { spawn } from 'node:child_process';
import { activeVariants, baselineOf, floors } from './lib/apps.mjs';
import { LOAD_CORE, startServer } from './lib/child.mjs';
import { againstBaseline } from './lib/stats.mjs';

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
    child.on('exit', (code) => {
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

/**
 * Ratios per repetition against the bare server of the same framework: of req/s,
 * and of server CPU time per request (bare ÷ variant: the req/s ratio a saturated
 * core shows, and far steadier when something else runs on the machine).
 *
 * @param config {{ seconds: number, warmupSeconds: number, repetitions: number, connections: number, log: (line: string) => void }}
 */
export async function runWrk(config) {
  // The no-op floors too: what any middleware mounted as Ballast's is costs in the same reps (a no-op `app.use`
  // layer plus a no-op route middleware), so a ratio shows how much of the gap is the framework's own.
  const names = [...activeVariants().filter((name) => name.includes('ballast') || name.endsWith('bare')), ...Object.keys(floors)];
  const runs = Object.fromEntries(names.map((name) => [name, []]));
  for (let rep = 0; rep < config.repetitions; rep++) {
    const servers = new Map();
    try {
      for (const name of rep % 2 === 0 ? names : [...names].reverse()) servers.set(name, await startServer(serverScript, [name]));
      for (const name of names) await wrk(servers.get(name).url, config.warmupSeconds, config.connections);
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + rep) % names.length];
        const run = await measure(servers.get(name), config);
        runs[name].push(run);
        config.log(
          `wrk rep ${rep + 1}/${config.repetitions} ${name}: ${Math.round(run.requestsPerSecond)} req/s, ` +
            `${run.cpuMicrosPerRequest.toFixed(1)} us cpu/req` +
            (run.non2xx > 0 ? `, non2xx ${run.non2xx}` : ''),
        );
      }
    } finally {
      for (const server of servers.values()) await server.stop();
    }
  }
  return names.map((name) => ({
    variant: name,
    baseline: baselineOf(name),
    ...againstBaseline(runs[name], runs[baselineOf(name)]),
    failures: runs[name].reduce((sum, r) => sum + r.non2xx, 0),
    runs: runs[name],
  }));
}
