/**
 * Child process: one autocannon run (every request with an account header); prints a JSON summary last.
 *
 *   node load.mjs <url> <seconds> <connections>
 *   node load.mjs <url> <seconds> <connections> <sliceMs> <path> <path> ...
 *
 * With a slice, the paths of the server at `url` take turns every `sliceMs` of the
 * monotonic clock (slice `k` to path `k mod n`), all connections together, and the
 * summary holds the requests sent in each slice (`first`, the first slice's index,
 * and `counts`), as bench/http/interleave.lua does for wrk: bench/lib/slices.mjs
 * groups them.
 */
import autocannon from 'autocannon';

const [url, seconds, connections, slice, ...paths] = process.argv.slice(2);
const headers = { 'x-account-id': 'acct-42' };
const options = { url, duration: Number(seconds), connections: Number(connections), headers };
/** Requests sent by slice index. */
const counts = new Map();
if (slice !== undefined) {
  const sliceMs = Number(slice);
  options.requests = [
    {
      // autocannon builds each request when it is about to send it (httpClient's `_doRequest`): the path of this moment's slice.
      setupRequest(request) {
        const index = Math.floor(performance.now() / sliceMs);
        counts.set(index, (counts.get(index) ?? 0) + 1);
        return { ...request, path: paths[index % paths.length] };
      },
    },
  ];
}
const result = await autocannon(options);
const summary = { requestsPerSecond: result.requests.average, total: result.requests.total, non2xx: result.non2xx, errors: result.errors };
if (slice !== undefined) {
  // No request sent (the server never answered): no slices, which the caller reports as too few turns.
  const first = counts.size === 0 ? 0 : Math.min(...counts.keys());
  summary.first = first;
  summary.counts = counts.size === 0 ? [] : Array.from({ length: Math.max(...counts.keys()) - first + 1 }, (_, i) => counts.get(first + i) ?? 0);
}
console.log(JSON.stringify(summary));
