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
import { activeVariants, baselineOf } from './lib/apps.mjs';
import { LOAD_CORE, startServer } from './lib/child.mjs';
import { max, median, min } from './lib/stats.mjs';

const serverScript = new URL('./server.mjs', import.meta.url);

/** Requests per second from one wrk run (its `Requests/sec:` line). */
function wrk(url, seconds, connections) {
  return new Promise((resolve, reject) => {
    const args = ['-t1', `-c${connections}`, `-d${seconds}s`, url];
    const pin = process.env.BENCH_NO_PIN !== '1';
    const child = spawn(pin ? 'taskset' : 'wrk', pin ? ['-c', LOAD_CORE, 'wrk', ...args] : args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
    child.on('error', (error) => reject(new Error(`wrk could not start (apt-get install -y wrk): ${error.message}`)));
    child.on('exit', (code) => {
      const match = /Requests\/sec:\s+([\d.]+)/.exec(out);
      if (code !== 0 || match === null) reject(new Error(`wrk exited with ${code}: ${out.slice(-300)}`));
      else resolve(Number(match[1]));
    });
  });
}

/** @param config {{ seconds: number, warmupSeconds: number, repetitions: number, connections: number, log: (line: string) => void }} */
export async function runWrk(config) {
  const names = activeVariants().filter((name) => name.includes('ballast') || name.endsWith('bare'));
  const runs = Object.fromEntries(names.map((name) => [name, []]));
  for (let rep = 0; rep < config.repetitions; rep++) {
    const servers = new Map();
    try {
      for (const name of rep % 2 === 0 ? names : [...names].reverse()) servers.set(name, await startServer(serverScript, [name]));
      for (const name of names) await wrk(servers.get(name).url, config.warmupSeconds, config.connections);
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + rep) % names.length];
        runs[name].push(await wrk(servers.get(name).url, config.seconds, config.connections));
        config.log(`wrk rep ${rep + 1}/${config.repetitions} ${name}: ${Math.round(runs[name].at(-1))} req/s`);
      }
    } finally {
      for (const server of servers.values()) await server.stop();
    }
  }
  return names.map((name) => {
    const ratios = runs[name].map((rps, rep) => rps / runs[baselineOf(name)][rep]);
    return { variant: name, baseline: baselineOf(name), requestsPerSecond: median(runs[name]), ratio: { median: median(ratios), min: min(ratios), max: max(ratios) } };
  });
}
