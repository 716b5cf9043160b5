/** Child process: one autocannon run against a URL; prints a JSON summary on its last line. */
import autocannon from 'autocannon';

const [url, seconds, connections, pipelining] = process.argv.slice(2);
const result = await autocannon({
  url,
  duration: Number(seconds),
  connections: Number(connections),
  pipelining: Number(pipelining),
});
console.log(
  JSON.stringify({
    requestsPerSecond: result.requests.average,
    total: result.requests.total,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  }),
);
