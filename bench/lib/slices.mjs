/**
 * Paths of one server measured in one run of a load generator that switches every
 * connection from one path to the next every `sliceMs` of the clock, counting the
 * requests it sends in each slice (bench/http/interleave.lua for wrk,
 * bench/flags/load.mjs for autocannon): slice `k` goes to `paths[k % paths.length]`.
 * A connection sends its next request when the previous answer arrives, so a
 * slice's count follows the rate the server answers at during it, and a swing of
 * the machine's speed that lasts longer than a few slices lands on every path
 * alike. The requests in flight when the path changes (one per connection at
 * most) are answered in the next slice: that blurs neighbouring paths by about
 * connections / (requests a slice), and a difference reads that much smaller.
 */

/**
 * Per path, from whole turns only (a turn: one slice of each path in order; the
 * partial first and last slices and one more at each end left out): the requests
 * sent, and req/s over its slices' time. `first` is the index of `counts[0]`;
 * `turns`: how many whole turns were counted (none in a run shorter than a turn
 * and four slices).
 */
export function groupSlices(first, counts, sliceMs, pathCount) {
  // A whole turn starts on a slice whose index is a multiple of `pathCount`.
  let start = 2 + ((pathCount - ((first + 2) % pathCount)) % pathCount);
  const end = counts.length - 2;
  const totals = new Array(pathCount).fill(0);
  let turns = 0;
  for (; start + pathCount <= end; start += pathCount, turns++) {
    for (let p = 0; p < pathCount; p++) totals[p] += counts[start + p];
  }
  const secondsEach = Math.max(1, turns) * (sliceMs / 1000);
  return { turns, sides: totals.map((total) => ({ total, requestsPerSecond: total / secondsEach })) };
}
