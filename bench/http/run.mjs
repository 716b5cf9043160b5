/**
 * The HTTP benches of the limits issue: throughput against bare frameworks and
 * peers (autocannon, then the Ballast variants again with wrk), the whole
 * request in process, the admission micro benchmark, and open-loop overload.
 * Build first (the run takes about 35 minutes on 2 cores):
 *
 *   npx --yes pnpm@10.34.8 build && node bench/http/run.mjs
 *
 * Environment: BENCH_SECONDS (per throughput run, default 4), BENCH_WARMUP_SECONDS (1.5),
 * BENCH_REPETITIONS (5), BENCH_CONNECTIONS (100), BENCH_PIPELINING (1), BENCH_WRK_ROUNDS (10),
 * BENCH_WRK_SECONDS (2), BENCH_WRK_WARMUP_SECONDS (3, per server) and BENCH_WRK_TOGETHER
 * (1: a pair's servers measured at the same time; 0: one after the other) and BENCH_WRK_VARIANTS
 * (comma list; default all) for the wrk pass,
 * BENCH_PAIRED (0; 1 adds the paired phase, about 4 more minutes), BENCH_OVERLOAD_SECONDS (10),
 * BENCH_ONLY (comma list of throughput,wrk,adapter,micro,overload; default all).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { LOAD_CORE, SERVER_CORE, runJson } from './lib/child.mjs';
import { envNumber } from './lib/stats.mjs';
import { runOverload } from './overload.mjs';
import { printSummary } from './summary.mjs';
import { runThroughput } from './throughput.mjs';
import { runWrk } from './wrk.mjs';

const only = new Set((process.env.BENCH_ONLY ?? 'throughput,wrk,adapter,micro,overload').split(','));

/** How busy the (shared) machine is: load average and the share of time tasks waited for a CPU. */
function machineLoad() {
  let cpuPressureAvg10 = null;
  try {
    cpuPressureAvg10 = Number(/avg10=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1]);
  } catch {
    // not Linux, or no PSI: leave it out
  }
  return { loadavg1: loadavg()[0], cpuPressureAvg10 };
}
const log = (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const startedAt = new Date();
const report = {
  startedAt: startedAt.toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model,
  cores: { server: SERVER_CORE, load: LOAD_CORE },
  machineBefore: machineLoad(),
};

/** Run length, warm-up, reps and connections of the autocannon pass. */
const loadConfig = () => ({
  seconds: envNumber('BENCH_SECONDS', 4),
  warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', 1.5),
  repetitions: envNumber('BENCH_REPETITIONS', 5),
  connections: envNumber('BENCH_CONNECTIONS', 100),
});

if (only.has('throughput')) {
  report.throughputConfig = {
    ...loadConfig(),
    pipelining: envNumber('BENCH_PIPELINING', 1),
    paired: process.env.BENCH_PAIRED === '1',
  };
  const { sequential, paired } = await runThroughput({ ...report.throughputConfig, log });
  report.throughput = sequential;
  report.paired = paired;
}

// The verdict pass with wrk: many short alternating pairs, each a variant and its bare baseline in fresh servers.
/** `1` or `0` from the environment (unset: `fallback`); anything else is an error. */
function envSwitch(name, fallback) {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  if (value !== '0' && value !== '1') throw new Error(`${name} must be 0 or 1, got ${value}`);
  return value === '1';
}

if (only.has('wrk')) {
  report.wrkConfig = {
    seconds: envNumber('BENCH_WRK_SECONDS', 2),
    // Long enough for V8 to finish optimizing (see README: about 140 functions in the first 4 s, 35-50 in the next 4, then 0-4).
    warmupSeconds: envNumber('BENCH_WRK_WARMUP_SECONDS', 8),
    rounds: envNumber('BENCH_WRK_ROUNDS', 10),
    connections: envNumber('BENCH_CONNECTIONS', 100),
    // A pair's two servers measured at the same time (see runWrk); 0: each alone on the core, in turn.
    together: envSwitch('BENCH_WRK_TOGETHER', true),
    // Not together: each server alone on the core this many times in turn (A B, B A, ...), each time BENCH_WRK_SECONDS.
    windows: envNumber('BENCH_WRK_WINDOWS', 4),
    // Only these variants (comma list of names, as the table prints them); default all.
    variants: process.env.BENCH_WRK_VARIANTS?.split(',').map((name) => name.trim()),
  };
  if (!Number.isInteger(report.wrkConfig.windows)) throw new Error(`BENCH_WRK_WINDOWS must be a whole number, got ${report.wrkConfig.windows}`);
  report.wrk = await runWrk({ ...report.wrkConfig, log });
}

if (only.has('adapter')) {
  log('adapter: whole request in process, CPU ns per request');
  report.adapter = await runJson(new URL('./adapter-micro.mjs', import.meta.url), [], { core: SERVER_CORE });
}

if (only.has('micro')) {
  log('micro: admit + release');
  report.micro = await runJson(new URL('./micro.mjs', import.meta.url), [], { core: SERVER_CORE });
}

if (only.has('overload')) {
  report.overload = await runOverload({
    slots: 2,
    holdMs: 20,
    maxQueue: 4,
    queueTimeoutMs: 100,
    factor: 2,
    seconds: envNumber('BENCH_OVERLOAD_SECONDS', 10),
    unloadedRate: 20,
    unloadedSeconds: 5,
    drainMs: 15_000,
    log,
  });
}

report.finishedAt = new Date().toISOString();
report.machineAfter = machineLoad();
console.log('');
printSummary(report);
const dir = new URL('../results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const file = new URL(`http-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`, dir);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nJSON: ${file.pathname}`);
