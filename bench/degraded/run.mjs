/**
 * Degraded reads with a dead dependency: the dependency accepts every request
 * and never answers (hanging past the breaker's timeout). Once the breaker is
 * open, how fast do responses come back, and how many calls still reach the
 * dependency? Ballast (req.ballast.read) against opossum used directly.
 * Ballast answers the read that triggers a half-open probe with its fallback at
 * once and runs the probe detached; opossum lets the probe ride on that request.
 *
 *   pnpm bench:degraded        (builds, then node bench/degraded/run.mjs)
 *
 * Latency is measured at a fixed rate (BENCH_RATE req/s, default 500) so it shows
 * what a request costs rather than queueing behind a saturated CPU; throughput
 * comes from a separate saturated run. Environment: BENCH_SECONDS (per run,
 * default 10), BENCH_CONNECTIONS (20), BENCH_RATE (500).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import autocannon from 'autocannon';
import { runMicro } from './micro.mjs';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const rate = Number(process.env.BENCH_RATE ?? 500);
const settings = { timeoutMs: 200, errorThresholdPercentage: 50, volumeThreshold: 5, resetTimeoutMs: 1000 };

/** The dead dependency: counts requests, never answers. */
const hanging = new Set();
let hits = 0;
const dependency = http.createServer((_req, res) => {
  hits++;
  hanging.add(res);
  res.on('close', () => hanging.delete(res));
});
dependency.listen(0, '127.0.0.1');
await once(dependency, 'listening');
const dependencyUrl = `http://127.0.0.1:${dependency.address().port}`;

const getJson = (url) =>
  new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      })
      .on('error', reject);
  });

async function measure(variant) {
  const child = fork(new URL('./app.mjs', import.meta.url), [variant], {
    env: { ...process.env, DEPENDENCY_URL: dependencyUrl, BREAKER_SETTINGS: JSON.stringify(settings) },
  });
  const [{ port }] = await once(child, 'message');
  const base = `http://127.0.0.1:${port}`;
  // Trip the breaker: each of these waits for the timeout.
  let tripCalls = 0;
  while ((await getJson(`${base}/state`)).body.state !== 'open') {
    await getJson(`${base}/read`);
    tripCalls++;
  }
  const degradedHeader = (await getJson(`${base}/read`)).headers['ballast-degraded'];
  await getJson(`${base}/reads?reset`);
  const hitsBefore = hits;
  const paced = await autocannon({ url: `${base}/read`, connections, duration: seconds, overallRate: rate });
  const saturated = await autocannon({ url: `${base}/read`, connections, duration: seconds });
  const hitsWhileOpen = hits - hitsBefore;
  const reads = (await getJson(`${base}/reads`)).body;
  child.disconnect();
  await once(child, 'exit');
  return {
    tripCalls,
    degradedHeader,
    rps: saturated.requests.average,
    p50: paced.latency.p50,
    p99: paced.latency.p99,
    max: paced.latency.max,
    non2xx: paced.non2xx + paced.errors + saturated.non2xx + saturated.errors,
    hitsWhileOpen,
    reads,
  };
}

console.log(
  `dependency hangs; timeoutMs ${settings.timeoutMs}, resetTimeoutMs ${settings.resetTimeoutMs}; once open: ${seconds} s at ${rate} req/s, then ${seconds} s saturated, ${connections} connections`,
);
const ballast = await measure('ballast');
const opossum = await measure('opossum');
for (const res of hanging) res.destroy();
dependency.close();

// One probe per cycle of resetTimeoutMs (open) + timeoutMs (the probe hangs until it times out).
const expectedProbes = Math.ceil((2 * seconds * 1000) / (settings.resetTimeoutMs + settings.timeoutMs));
const fix = (ms) => Number(ms.toFixed(3));
const ratio = (a, b) => (b === 0 ? (a === 0 ? '1.00x' : 'n/a') : `${(a / b).toFixed(2)}x`);
const rows = [
  ['requests/s (saturated)', ballast.rps, opossum.rps],
  [`p50 latency at ${rate} req/s (ms)`, ballast.p50, opossum.p50],
  [`p99 latency at ${rate} req/s (ms)`, ballast.p99, opossum.p99],
  [`max latency at ${rate} req/s (ms)`, ballast.max, opossum.max],
  ['read() in the handler: p50 (ms)', fix(ballast.reads.p50), fix(opossum.reads.p50)],
  ['read() in the handler: p99 (ms)', fix(ballast.reads.p99), fix(opossum.reads.p99)],
  ['reads that waited for the timeout (probes riding)', ballast.reads.waitedForTimeout, opossum.reads.waitedForTimeout],
  ['calls reaching the dead dependency while open', ballast.hitsWhileOpen, opossum.hitsWhileOpen],
  ['non-2xx or errors', ballast.non2xx, opossum.non2xx],
];
const pad = (s, n) => String(s).padEnd(n);
console.log(`${pad('metric', 52)}${pad('ballast', 12)}${pad('opossum', 12)}ballast/opossum`);
for (const [name, a, b] of rows) console.log(`${pad(name, 52)}${pad(a, 12)}${pad(b, 12)}${ratio(a, b)}`);
console.log(`probes expected while open (one per ${settings.resetTimeoutMs + settings.timeoutMs} ms): ${expectedProbes}`);
console.log(`Ballast-Degraded on a fallback response: ballast "${ballast.degradedHeader}", opossum (set by hand) "${opossum.degradedHeader}"`);
console.log(
  `targets: HTTP p99 < 5 ms once open (ballast ${ballast.p99} ms: ${ballast.p99 < 5 ? 'met' : 'MISSED'}; in-handler ${fix(ballast.reads.p99)} ms); ` +
    `only probes reach the dependency (ballast ${ballast.hitsWhileOpen <= expectedProbes ? 'met' : 'MISSED'}); no read waits for a probe (ballast ${ballast.reads.waitedForTimeout === 0 ? 'met' : 'MISSED'})`,
);

console.log('\nin-process, no HTTP (ns per read):');
for (const row of await runMicro()) {
  const { ballast: b, opossum: o } = row;
  console.log(`${pad(row.name, 48)}${pad(`${b.ns.toFixed(0)} (${b.state})`, 16)}${pad(`${o.ns.toFixed(0)} (${o.state})`, 16)}${ratio(b.ns, o.ns)}`);
}
