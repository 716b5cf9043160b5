/**
 * What the paired benches share (bench/pubsub, bench/http's wrk pass): a ratio of
 * medians over alternating pairs of short rounds, its 95% bootstrap interval and
 * a verdict against a target. The two sides of a pair run a moment apart under
 * the same load, so a pair is resampled whole.
 */

import { median } from '../http/lib/stats.mjs';

/** A seeded generator (mulberry32): the bootstrap gives the same interval for the same pairs. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `ratioOf(pairs)` and its 95% bootstrap interval: pairs resampled with
 * replacement (a pair stays whole), 2,000 times.
 */
export function withInterval(pairs, ratioOf) {
  const random = seeded(12);
  const estimates = [];
  for (let b = 0; b < 2000; b++) {
    estimates.push(ratioOf(Array.from(pairs, () => pairs[Math.floor(random() * pairs.length)])));
  }
  estimates.sort((x, y) => x - y);
  return { ratio: ratioOf(pairs), low: estimates[Math.floor(0.025 * estimates.length)], high: estimates[Math.ceil(0.975 * estimates.length) - 1] };
}

/** Below this many pairs a bootstrap interval means little (a smoke run): no verdict. */
export const MIN_PAIRS = 8;

/**
 * `meets` when the whole interval is at or above `target`, `misses` when it is
 * wholly below, else `undecided` (more pairs, or a quieter machine, would
 * decide); `too few` under `MIN_PAIRS` pairs.
 */
export function verdictOf({ low, high }, target, pairCount) {
  if (pairCount < MIN_PAIRS) return 'too few';
  return low >= target ? 'meets' : high < target ? 'misses' : 'undecided';
}

/** The median of `pairs[i][side][key]`. */
export const medianOf = (pairs, side, key) => median(pairs.map((p) => p[side][key]));

/**
 * Two ratios over `pairs` of `{ [base]: run, [other]: run }`, each with its
 * interval and verdict against `target` (none when `target` is undefined):
 * `throughput`, other's `rateKey` over base's (higher is faster), and `cpu`, base's
 * `cpuKey` over other's (CPU per unit of work: the throughput ratio a saturated
 * core shows, and far steadier on a busy machine; left out without `cpuKey`, for
 * sides whose CPU time is not measured apart). `statistic`: `'ratio of medians'`
 * (the median of each side, divided: for sides measured one after the other) or
 * `'median of ratios'` (each pair's own ratio: for sides measured at the same time,
 * whose ratio holds while the machine's speed swings).
 */
export function comparePairs(pairs, { base, other, rateKey, cpuKey, target, statistic = 'ratio of medians' }) {
  const judge = (interval) => ({ ...interval, verdict: target === undefined ? '' : verdictOf(interval, target, pairs.length) });
  const rateRatio = (p) => p[other][rateKey] / p[base][rateKey];
  const cpuRatio = (p) => p[base][cpuKey] / p[other][cpuKey];
  const perPair = pairs.map(rateRatio);
  const sideMedians = (side) => ({ [rateKey]: medianOf(pairs, side, rateKey), ...(cpuKey === undefined ? {} : { [cpuKey]: medianOf(pairs, side, cpuKey) }) });
  // Sides measured at the same moment share the machine's speed: their pair's own ratio is what to summarise.
  const summarise =
    statistic === 'median of ratios'
      ? { rate: (ps) => median(ps.map(rateRatio)), cpu: (ps) => median(ps.map(cpuRatio)) }
      : { rate: (ps) => medianOf(ps, other, rateKey) / medianOf(ps, base, rateKey), cpu: (ps) => medianOf(ps, base, cpuKey) / medianOf(ps, other, cpuKey) };
  return {
    statistic,
    [base]: sideMedians(base),
    [other]: sideMedians(other),
    throughput: { ...judge(withInterval(pairs, summarise.rate)), pairLow: Math.min(...perPair), pairHigh: Math.max(...perPair) },
    cpu: cpuKey === undefined ? undefined : judge(withInterval(pairs, summarise.cpu)),
  };
}
