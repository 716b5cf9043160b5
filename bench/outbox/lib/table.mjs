import { loadavg } from 'node:os';
import { medianOf, verdictOf, withInterval } from '../../lib/paired.mjs';

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : '–');
const ratio = (n, ref) => (Number.isFinite(n) && Number.isFinite(ref) && ref > 0 ? `${(n / ref).toFixed(2)}x` : '–');

/** Prints one row per system with each number's ratio to the reference the targets name. */
export function printTable(results, settings) {
  const raw = results.get('raw SQL (ceiling)');
  const graphile = results.get('graphile-worker 0.17');
  const rows = [['system', 'enqueue/s', 'vs raw INSERT', 'drain no-op/s', 'vs graphile', 'drain HTTP/s', 'vs graphile', 'HTTP CPU µs/msg', 'p50 ms', 'p99 ms', 'p99 vs graphile']];
  for (const [name, r] of results) {
    rows.push([
      name,
      fmt(r.enqueue), ratio(r.enqueue, raw?.enqueue),
      fmt(r.drainNoop), ratio(r.drainNoop, graphile?.drainNoop),
      fmt(r.drainHttp), ratio(r.drainHttp, graphile?.drainHttp), fmt(r.drainHttpCpuUs, 1),
      fmt(r.latency?.p50, 2), fmt(r.latency?.p99, 2), ratio(r.latency?.p99, graphile?.latency?.p99),
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => String(row[c]).length)));
  const line = (row) => row.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  ');
  console.log(`\nOutbox benchmark: ${settings.producers} producers for enqueue; drain of ${settings.drainCount} messages, consumer concurrency ${settings.concurrency}; latency at ${settings.latencyRate}/s for ${settings.latencyMs / 1000} s\n`);
  console.log(line(rows[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows.slice(1)) console.log(line(row));
  console.log('\nTargets for Ballast: enqueue >= 0.8x raw INSERT; drain >= 1.0x graphile-worker; p99 <= graphile-worker (ratio <= 1.00x).');
}

/**
 * The latency target as a verdict: the rounds ran side by side, so round r of graphile-worker and of
 * Ballast form a pair; the ratio of medians of per-round p99 (and p50), graphile-worker's over
 * Ballast's (at or above 1.00x meets "p99 <= graphile-worker's"), with its 95% bootstrap interval.
 */
export function printLatencyVerdict(results, settings) {
  const graphile = results.get('graphile-worker 0.17')?.latency?.rounds;
  const ballast = results.get('Ballast')?.latency?.rounds;
  if (graphile === undefined || ballast === undefined) return;
  const pairs = graphile.map((g, i) => ({ graphile: g, ballast: ballast[i] }));
  console.log(`\nLatency, ${pairs.length} interleaved rounds of ${settings.latencyMs / 1000} s at ${settings.latencyRate}/s; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const key of ['p50', 'p99']) {
    const interval = withInterval(pairs, (ps) => medianOf(ps, 'graphile', key) / medianOf(ps, 'ballast', key));
    const rounds = pairs.map((p) => `${p.ballast[key].toFixed(2)}/${p.graphile[key].toFixed(2)}`).join(' ');
    console.log(
      `${key}: graphile-worker/Ballast ${interval.ratio.toFixed(2)}x [${interval.low.toFixed(2)}–${interval.high.toFixed(2)}] ${verdictOf(interval, 1, pairs.length)} vs 1.00x; per round Ballast/graphile ms: ${rounds}`,
    );
  }
}
