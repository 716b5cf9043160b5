/**
 * Degraded reads with a dead dependency: the dependency accepts every request
 * and never answers (hanging past the breaker's timeout). Once the breaker is
 * open, how fast do responses come back, and how many calls still reach the
 * dependency? Ballast (req.ballast.read) against opossum used directly, and a
 * bare route on Ballast's server (no breaker) as the floor of this machine.
 * Ballast answers the read that triggers a half-open probe with its fallback at
 * once and runs the probe detached; opossum lets the probe ride on that request.
 *
 *   pnpm bench:degraded        (builds, then node bench/degraded/run.mjs)
 *
 * Latency is measured open-loop (load.mjs): BENCH_RATE req/s (default 500) over
 * BENCH_CONNECTIONS keep-alive connections (20), each request due at a fixed time
 * and timed from then, after a BENCH_WARMUP_SECONDS warm-up (2) that is not
 * counted, each server first warmed on both routes for BENCH_SERVER_WARMUP_SECONDS (5).
 * Slow requests (over 5 ms), in episodes, are lined up against what the server
 * process reported for the same moments: GC pauses, calls to the dependency
 * (probes) and event-loop stalls of its own work.
 * Throughput comes from a separate saturated autocannon run.
 * Environment: BENCH_SECONDS (per run, default 10), BENCH_CONNECTIONS, BENCH_RATE,
 * BENCH_WARMUP_SECONDS, BENCH_SERVER_WARMUP_SECONDS, BENCH_MICRO_CALLS (the in-process part).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import autocannon from 'autocannon';
import { quantile } from '../http/lib/stats.mjs';
import { epochMs, paced } from './load.mjs';
import { runMicro, runProbeMicro } from './micro.mjs';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const serverWarmupSeconds = Number(process.env.BENCH_SERVER_WARMUP_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const rate = Number(process.env.BENCH_RATE ?? 500);
const settings = { timeoutMs: 200, errorThresholdPercentage: 50, volumeThreshold: 5, resetTimeoutMs: 1000 };
const SLOW_MS = 5;

/** The dead dependency: records when each request arrived, never answers. */
const hanging = new Set();
const hits = [];
const dependency = http.createServer((_req, res) => {
  hits.push(epochMs());
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

/**
 * Slow requests in runs: a stall holds up every request due while it lasts and
 * the backlog it leaves, so one event makes many slow requests. Requests whose
 * [due, answered] spans overlap form one episode.
 */
function episodesOf(slow) {
  const episodes = [];
  for (const r of [...slow].sort((a, b) => a.due - b.due)) {
    const last = episodes.at(-1);
    if (last !== undefined && r.due <= last.end) {
      last.end = Math.max(last.end, r.answered);
      last.requests++;
    } else episodes.push({ start: r.due, end: r.answered, requests: 1 });
  }
  return episodes;
}

/**
 * One paced run after a warm-up, request i to `paths[i % paths.length]`, with what
 * the server saw meanwhile; one summary per path. An episode of slow requests is
 * put down to a GC pause or a dependency call (its start or its end: connect,
 * timeout, abort) that happened from SLOW_MS before it began (the backlog it left)
 * to its end, else to an event-loop stall of the server's own work (CPU spent),
 * else to neither (the machine: the server waited for a CPU, or the load generator did).
 */
async function pacedPhase(port, paths) {
  const base = `http://127.0.0.1:${port}`;
  await paced({ port, paths, rate, seconds: warmupSeconds, connections });
  await getJson(`${base}/telemetry?reset`);
  const hitsBefore = hits.length;
  const startedAt = epochMs();
  const all = await paced({ port, paths, rate, seconds, connections });
  // Longer than `seconds` when the server falls behind: probes go on until the last answer.
  const phaseMs = epochMs() - startedAt;
  const hitsDuring = hits.slice(hitsBefore);
  const { reads, probingReads, calls, gcs, stalls, loopDelay, cpuMs } = (await getJson(`${base}/telemetry?reset`)).body;

  const within = (e, at, until = at) => at <= e.end && until >= e.start - SLOW_MS;
  const byGc = (e) => gcs.some(([start, duration]) => within(e, start, start + duration));
  const byCall = (e) => calls.some(([start, end]) => within(e, start) || within(e, end));
  // A stall of the server's own work: it spent most of the stall on the CPU.
  const busy = stalls.filter(([, ms, cpu]) => cpu >= ms / 2);
  const byStall = (e) => busy.some(([start, ms]) => within(e, start, start + ms));
  const nearCall = ([start, ms]) => calls.some(([from, to]) => [from, to].some((t) => t >= start - 1 && t <= start + ms + 1));
  const gaps = hitsDuring.slice(1).map((t, i) => t - hitsDuring[i]);
  const shared = {
    readP50: reads.length === 0 ? Number.NaN : quantile(reads, 0.5),
    readP99: reads.length === 0 ? Number.NaN : quantile(reads, 0.99),
    probingReadMax: probingReads.length === 0 ? Number.NaN : Math.max(...probingReads),
    waitedForTimeout: reads.filter((ms) => ms >= settings.timeoutMs).length,
    dependencyCalls: calls.length,
    dependencyHits: hitsDuring.length,
    phaseMs,
    minGapMs: gaps.length === 0 ? Number.NaN : Math.min(...gaps),
    loopDelay,
    cpuUsPerRequest: (cpuMs * 1000) / all.length,
    gcCount: gcs.length,
    gcMaxMs: gcs.reduce((most, [, duration]) => Math.max(most, duration), 0),
    stalls: stalls.length,
    busyStalls: busy.length,
    busyStallsAtCalls: busy.filter(nearCall).length,
  };
  return paths.map((path) => {
    const requests = all.filter((r) => r.path === path);
    const latencies = requests.map((r) => r.answered - r.due);
    const episodes = episodesOf(requests.filter((r) => r.answered - r.due > SLOW_MS));
    const count = (list) => `${list.reduce((sum, e) => sum + e.requests, 0)} in ${list.length}`;
    const gc = episodes.filter(byGc);
    const call = episodes.filter((e) => !byGc(e) && byCall(e));
    const stall = episodes.filter((e) => !byGc(e) && !byCall(e) && byStall(e));
    return {
      ...shared,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      max: Math.max(...latencies),
      serverP99: quantile(
        requests.map((r) => r.answered - r.sent),
        0.99,
      ),
      errors: requests.filter((r) => r.status < 200 || r.status >= 300).length,
      slow: count(episodes),
      slowByGc: count(gc),
      slowByCall: count(call),
      slowByStall: count(stall),
      slowByNeither: count(episodes.filter((e) => !gc.includes(e) && !call.includes(e) && !stall.includes(e))),
    };
  });
}

async function measure(variant) {
  const child = fork(new URL('./app.mjs', import.meta.url), [variant], {
    env: { ...process.env, DEPENDENCY_URL: dependencyUrl, BREAKER_SETTINGS: JSON.stringify(settings) },
  });
  const [{ port }] = await once(child, 'message');
  const base = `http://127.0.0.1:${port}`;
  // Trip the breaker: each of these waits for the timeout.
  while ((await getJson(`${base}/state`)).body.state !== 'open') await getJson(`${base}/read`);
  const degradedHeader = (await getJson(`${base}/read`)).headers['ballast-degraded'];
  // A fresh server is slow for its first seconds whatever it serves (code still being
  // optimised, the young generation still growing): a first phase of /bare has been
  // as slow as a first phase of /read. Both routes warm up before any phase counts,
  // so the phase measured first (Ballast's) does not carry the server's start.
  await paced({ port, paths: ['/read', '/bare'], rate, seconds: serverWarmupSeconds, connections });
  const [open] = await pacedPhase(port, ['/read']);
  // The floor: the same server and machine without a breaker; then both interleaved,
  // so that they share one stretch of machine time (a fair pair on a busy machine).
  const [bare] = variant === 'ballast' ? await pacedPhase(port, ['/bare']) : [];
  const mixed = variant === 'ballast' ? await pacedPhase(port, ['/read', '/bare']) : [];
  const saturated = await autocannon({ url: `${base}/read`, connections, duration: seconds });
  child.disconnect();
  await once(child, 'exit');
  return { open, bare, mixed, degradedHeader, rps: saturated.requests.average, saturatedErrors: saturated.non2xx + saturated.errors };
}

console.log(
  `dependency hangs; timeoutMs ${settings.timeoutMs}, resetTimeoutMs ${settings.resetTimeoutMs}; once open: ` +
    `${seconds} s at ${rate} req/s open-loop over ${connections} keep-alive connections (after ${warmupSeconds} s warm-up), ` +
    `then ${seconds} s saturated`,
);
const ballast = await measure('ballast');
const opossum = await measure('opossum');
for (const res of hanging) res.destroy();
dependency.close();

// One probe per cycle of resetTimeoutMs (open) + timeoutMs (the probe hangs until it times out).
const cycleMs = settings.resetTimeoutMs + settings.timeoutMs;
const expectedProbes = Math.ceil((seconds * 1000) / cycleMs);
const fix = (ms, digits = 2) => (Number.isNaN(ms) ? 'n/a' : ms.toFixed(digits));
const [b, o, f] = [ballast.open, opossum.open, ballast.bare];
const row = (name, pick) => [name, pick(b), pick(o), pick(f)];
const rows = [
  row(`HTTP p50 at ${rate} req/s (ms, from due time)`, (x) => fix(x.p50)),
  row(`HTTP p99 at ${rate} req/s (ms, from due time)`, (x) => fix(x.p99)),
  row(`HTTP max at ${rate} req/s (ms, from due time)`, (x) => fix(x.max)),
  row('HTTP p99, from send to answer (ms)', (x) => fix(x.serverP99)),
  row('read() in the handler: p50 / p99 (ms)', (x) => `${fix(x.readP50, 3)} / ${fix(x.readP99, 3)}`),
  row('read() while half-open (probe out): max (ms)', (x) => fix(x.probingReadMax, 3)),
  row('reads that waited for the timeout', (x) => x.waitedForTimeout),
  row('calls reaching the dead dependency', (x) => x.dependencyHits),
  row('  shortest gap between them (ms)', (x) => fix(x.minGapMs, 0)),
  row('server CPU per request (us, load-robust)', (x) => fix(x.cpuUsPerRequest, 0)),
  row('event-loop delay p99 / max (ms)', (x) => `${fix(x.loopDelay.p99)} / ${fix(x.loopDelay.max)}`),
  row('GC pauses: count / longest (ms)', (x) => `${x.gcCount} / ${fix(x.gcMaxMs)}`),
  row('event-loop stalls > 1 ms: all / own work (CPU)', (x) => `${x.stalls} / ${x.busyStalls}`),
  row('  own-work stalls at a dependency call start/end', (x) => x.busyStallsAtCalls),
  row(`requests over ${SLOW_MS} ms (in episodes)`, (x) => x.slow),
  row('  by a GC pause', (x) => x.slowByGc),
  row('  by a dependency call start or end', (x) => x.slowByCall),
  row('  by a stall of own work (else)', (x) => x.slowByStall),
  row('  by neither (the machine)', (x) => x.slowByNeither),
  row('non-2xx or errors', (x) => x.errors),
  ['requests/s (saturated, autocannon)', ballast.rps, opossum.rps, ''],
];
const pad = (s, n) => String(s).padEnd(n);
const ratio = (x, y) => (y === 0 ? 'n/a' : `${(x / y).toFixed(2)}x`);
console.log(`\n${pad('once open', 48)}${pad('ballast', 18)}${pad('opossum', 18)}bare route (floor)`);
for (const [name, ...cells] of rows) console.log(`${pad(name, 48)}${pad(cells[0], 18)}${pad(cells[1], 18)}${cells[2]}`);
const [mr, mb] = ballast.mixed;
console.log(
  `interleaved on Ballast's server (${rate / 2} req/s each, one stretch of machine time): ` +
    `/read p50/p99/max ${fix(mr.p50)} / ${fix(mr.p99)} / ${fix(mr.max)} ms, /bare ${fix(mb.p50)} / ${fix(mb.p99)} / ${fix(mb.max)} ms; ` +
    `over ${SLOW_MS} ms: /read ${mr.slow}, /bare ${mb.slow} episodes; dependency calls ${mr.dependencyHits}`,
);
console.log(
  `probes expected in ${seconds} s (one per ${cycleMs} ms): ${expectedProbes}; Ballast's phase ran ${fix(b.phaseMs / 1000, 1)} s to its last answer`,
);
console.log(`Ballast-Degraded on a fallback response: ballast "${ballast.degradedHeader}", opossum (set by hand) "${opossum.degradedHeader}"`);
// At most one probe per cycle over the phase as it ran (from its first request to its last answer).
const onlyProbes = b.dependencyHits <= Math.floor(b.phaseMs / cycleMs) + 1 && !(b.minGapMs < settings.resetTimeoutMs);
console.log(
  `targets: HTTP p99 < 5 ms once open (ballast ${fix(b.p99)} ms: ${b.p99 < 5 ? 'met' : 'MISSED'}; floor ${fix(f.p99)} ms); ` +
    `only probes reach the dependency (ballast ${onlyProbes ? 'met' : 'MISSED'}); no read waits for a probe (ballast ${b.waitedForTimeout === 0 ? 'met' : 'MISSED'})`,
);
if (ballast.saturatedErrors + opossum.saturatedErrors > 0) console.log(`saturated runs: ${ballast.saturatedErrors + opossum.saturatedErrors} non-2xx or errors`);

console.log('\nin-process, no HTTP (ns per read):');
for (const row of await runMicro()) {
  const { ballast: b, opossum: o } = row;
  console.log(`${pad(row.name, 48)}${pad(`${b.ns.toFixed(0)} (${b.state})`, 16)}${pad(`${o.ns.toFixed(0)} (${o.state})`, 16)}${ratio(b.ns, o.ns)}`);
}
const probe = await runProbeMicro();
console.log(
  `${pad(`probe cycle, CPU us above no probe (${probe.cycles})`, 48)}${pad(probe.ballast.us.toFixed(0), 16)}${pad(probe.opossum.us.toFixed(0), 16)}${ratio(probe.ballast.us, probe.opossum.us)}`,
);
