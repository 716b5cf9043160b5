/**
 * HTTP throughput: every variant in its own server process pinned to one core,
 * autocannon pinned to the other. Each repetition starts fresh, warmed-up
 * servers and runs every variant once, in a rotated order, so machine drift
 * hits them all alike.
 *
 * Then, paired: each variant runs at the same time as its bare baseline, both
 * servers on the same core and both load generators on the other. The kernel
 * shares the core fairly between the two busy servers, so whatever else runs on
 * the machine takes from both alike, and the req/s ratio is the ratio of their
 * CPU cost per request.
 */
import { activeVariants, baselineOf } from './lib/apps.mjs';
import { LOAD_CORE, runJson, startServer } from './lib/child.mjs';
import { againstBaseline, max, median, min } from './lib/stats.mjs';

const serverScript = new URL('./server.mjs', import.meta.url);
const loadScript = new URL('./load.mjs', import.meta.url);

async function load(url, seconds, config) {
  return runJson(loadScript, [url, String(seconds), String(config.connections), String(config.pipelining)], {
    core: LOAD_CORE,
  });
}

/** One measured run, with the server's CPU use (share of one core) over it. */
async function measure(server, config) {
  const cpuBefore = await server.cpu();
  const started = process.hrtime.bigint();
  const result = await load(server.url, config.seconds, config);
  const elapsedMicros = Number(process.hrtime.bigint() - started) / 1000;
  const cpuAfter = await server.cpu();
  return {
    ...result,
    serverCpu: (cpuAfter - cpuBefore) / elapsedMicros,
    cpuMicrosPerRequest: (cpuAfter - cpuBefore) / result.total,
  };
}

/** Fresh server processes for every variant, each warmed up. */
async function startAll(names, config, rep) {
  const servers = new Map();
  // Alternate the start order, so that no variant is always the older process.
  for (const name of rep % 2 === 0 ? names : [...names].reverse()) {
    servers.set(name, await startServer(serverScript, [name]));
  }
  config.log(`rep ${rep + 1}/${config.repetitions}: fresh servers, warm-up ${config.warmupSeconds}s each`);
  for (const name of names) await load(servers.get(name).url, config.warmupSeconds, config);
  return servers;
}

/**
 * Every repetition starts fresh server processes: two processes running the same
 * code can differ by several percent for their whole life (memory layout, JIT
 * decisions), which one process per variant would turn into a fixed bias.
 *
 * @param config {{ seconds: number, warmupSeconds: number, repetitions: number, connections: number,
 *   pipelining: number, paired: boolean, log: (line: string) => void }}
 */
export async function runThroughput(config) {
  const names = activeVariants();
  const pairs = names.filter((name) => name !== baselineOf(name));
  const runs = Object.fromEntries(names.map((name) => [name, []]));
  const pairedRuns = Object.fromEntries(pairs.map((name) => [name, []]));
  for (let rep = 0; rep < config.repetitions; rep++) {
    const servers = await startAll(names, config, rep);
    try {
      // Rotate the start so no variant always follows the same neighbour.
      for (const name of rotate(names, rep)) {
        const run = await measure(servers.get(name), config);
        runs[name].push(run);
        config.log(
          `rep ${rep + 1}/${config.repetitions} ${name}: ${Math.round(run.requestsPerSecond)} req/s, ` +
            `p99 ${run.p99Ms} ms, server cpu ${(run.serverCpu * 100).toFixed(0)}% ` +
            `(${run.cpuMicrosPerRequest.toFixed(1)} us/req)` +
            (run.non2xx + run.errors > 0 ? `, non2xx ${run.non2xx} errors ${run.errors}` : ''),
        );
      }
      if (!config.paired) continue;
      for (const name of rotate(pairs, rep)) {
        // Which of the two starts first alternates, so neither side keeps a head start.
        const [own, base] = await measureTogether(servers.get(name), servers.get(baselineOf(name)), rep % 2 === 1, config);
        pairedRuns[name].push({ ratio: own.requestsPerSecond / base.requestsPerSecond, cpu: [own.serverCpu, base.serverCpu] });
        config.log(
          `paired rep ${rep + 1}/${config.repetitions} ${name}: ${Math.round(own.requestsPerSecond)} vs ` +
            `${Math.round(base.requestsPerSecond)} req/s (server cpu ${(own.serverCpu * 100).toFixed(0)}% vs ` +
            `${(base.serverCpu * 100).toFixed(0)}%)`,
        );
      }
    } finally {
      for (const server of servers.values()) await server.stop();
    }
  }
  return { sequential: summarize(names, runs), paired: config.paired ? summarizePaired(pairs, pairedRuns) : undefined };
}

const rotate = (list, by) => list.map((_, i) => list[(i + by) % list.length]);

/** Measures two servers at once; `swap` starts the second one's load first. Results in argument order. */
async function measureTogether(a, b, swap, config) {
  if (!swap) return Promise.all([measure(a, config), measure(b, config)]);
  const second = measure(b, config);
  const first = measure(a, config);
  return [await first, await second];
}

function summarizePaired(pairs, pairedRuns) {
  return pairs.map((name) => {
    const ratios = pairedRuns[name].map((r) => r.ratio);
    return {
      variant: name,
      baseline: baselineOf(name),
      ratio: { median: median(ratios), min: min(ratios), max: max(ratios) },
      serverCpu: {
        variant: median(pairedRuns[name].map((r) => r.cpu[0])),
        baseline: median(pairedRuns[name].map((r) => r.cpu[1])),
      },
      ratios,
    };
  });
}

/**
 * Per variant: medians, and the ratio to its bare baseline per repetition (median
 * and min–max), both of req/s and of server CPU time per request (bare ÷ variant:
 * the req/s ratio a saturated core would show, and far less sensitive to other
 * work on the machine).
 */
function summarize(names, runs) {
  return names.map((name) => {
    const own = runs[name];
    return {
      variant: name,
      baseline: baselineOf(name),
      ...againstBaseline(own, runs[baselineOf(name)]),
      p99Ms: median(own.map((r) => r.p99Ms)),
      serverCpu: median(own.map((r) => r.serverCpu)),
      failures: own.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
      runs: own,
    };
  });
}
