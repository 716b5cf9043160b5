/**
 * The HTTP benches of the limits issue: throughput against bare frameworks and
 * peers, the admission micro benchmark, and open-loop overload. Build first:
 *
 *   npx --yes pnpm@10.34.8 build && node bench/http/run.mjs
 *
 * Environment: BENCH_SECONDS (per throughput run, default 5), BENCH_WARMUP_SECONDS (2),
 * BENCH_REPETITIONS (5), BENCH_CONNECTIONS (100), BENCH_PIPELINING (1),
 * BENCH_OVERLOAD_SECONDS (10), BENCH_ONLY (comma list of throughput,micro,overload).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { LOAD_CORE, SERVER_CORE, runJson } from './lib/child.mjs';
import { envNumber } from './lib/stats.mjs';
import { runOverload } from './overload.mjs';
import { printSummary } from './summary.mjs';
import { runThroughput } from './throughput.mjs';

const only = new Set((process.env.BENCH_ONLY ?? 'throughput,micro,overload').split(','));
const log = (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const startedAt = new Date();
const report = {
  startedAt: startedAt.toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model,
  cores: { server: SERVER_CORE, load: LOAD_CORE },
};

if (only.has('throughput')) {
  report.throughputConfig = {
    seconds: envNumber('BENCH_SECONDS', 5),
    warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', 2),
    repetitions: envNumber('BENCH_REPETITIONS', 5),
    connections: envNumber('BENCH_CONNECTIONS', 100),
    pipelining: envNumber('BENCH_PIPELINING', 1),
  };
  report.throughput = await runThroughput({ ...report.throughputConfig, log });
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
console.log('');
printSummary(report);
const dir = new URL('../results/', import.meta.url);
mkdirSync(dir, { recursive: true });
const file = new URL(`http-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`, dir);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nJSON: ${file.pathname}`);
