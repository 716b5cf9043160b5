/**
 * Overload: a service with capacity ≈ slots × 1000 / holdMs req/s, driven open-loop
 * at `factor` × capacity, with Ballast (limit + small queue with a deadline) and
 * without (bare Express: requests pile up in the downstream's queue).
 */
import { LOAD_CORE, runJson, startServer } from './lib/child.mjs';
import { quantile } from './lib/stats.mjs';

const serverScript = new URL('./overload-server.mjs', import.meta.url);
const driverScript = new URL('./overload-driver.mjs', import.meta.url);

const drive = (url, rate, seconds, drainMs) =>
  runJson(driverScript, [url, String(rate), String(seconds), String(drainMs)], { core: LOAD_CORE });

/** Server-side p50/p99 (ms) of the 2xx and the 503 answers. */
function serverSide(byStatus) {
  const ok = Object.entries(byStatus).flatMap(([code, list]) => (code.startsWith('2') ? list : []));
  const shed = byStatus['503'] ?? [];
  return {
    okP99Ms: quantile(ok, 0.99),
    shedP50Ms: quantile(shed, 0.5),
    shedP99Ms: quantile(shed, 0.99),
  };
}

/**
 * @param config {{ slots: number, holdMs: number, maxQueue: number, queueTimeoutMs: number,
 *   factor: number, seconds: number, unloadedRate: number, unloadedSeconds: number, drainMs: number,
 *   log: (line: string) => void }}
 */
export async function runOverload(config) {
  const capacity = (config.slots * 1000) / config.holdMs;
  const rate = capacity * config.factor;
  const results = {};
  for (const mode of ['ballast', 'bare']) {
    const args = [mode, config.slots, config.holdMs, config.maxQueue, config.queueTimeoutMs].map(String);
    const server = await startServer(serverScript, args);
    try {
      await drive(server.url, config.unloadedRate, 1, 2000); // warm-up: JIT, first sockets
      await server.timings();
      const unloaded = await drive(server.url, config.unloadedRate, config.unloadedSeconds, 2000);
      await server.timings();
      config.log(`overload ${mode}: unloaded p99 ${unloaded.okP99Ms.toFixed(1)} ms; driving ${rate} req/s for ${config.seconds}s`);
      const loaded = await drive(server.url, rate, config.seconds, config.drainMs);
      const server503 = serverSide(await server.timings());
      const goodput = loaded.goodWithin1s / (capacity * config.seconds);
      results[mode] = { unloaded, loaded, server: server503, goodput };
      config.log(
        `overload ${mode}: goodput ${(goodput * 100).toFixed(1)}% of capacity, ok ${loaded.ok}, shed ${loaded.shed}, ` +
          `unanswered ${loaded.unanswered}, admitted p99 ${loaded.okP99Ms?.toFixed(1)} ms`,
      );
    } finally {
      await server.stop();
    }
  }
  return { capacity, rate, ...config, log: undefined, results };
}
