/**
 * One Express app under test, run as a child of run.mjs so the load generator
 * does not share its event loop. `variant` is `ballast` (req.ballast.read, with
 * observe() and a global limit mounted as the root README mounts them) or
 * `opossum` (a breaker used directly, as its README suggests). Both answer
 * `GET /read` from a dependency at DEPENDENCY_URL, with a fallback, and
 * `GET /bare` with the fallback value and nothing else, ahead of any middleware
 * (the floor: what this server and machine cost without Ballast).
 *
 * `GET /telemetry` (`?reset` starts a new phase) tells what happened in the process
 * since the last reset, for run.mjs to line up with each request's latency: every
 * call to the dependency (start, end), every GC pause, every event-loop stall, the
 * event-loop delay, the time each read took inside the handler, and the process's CPU time.
 */
import http from 'node:http';
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';
import express from 'express';
import CircuitBreaker from 'opossum';
import { createBallast } from '@ballast/core';
import { ballastExpress } from '@ballast/express';

const variant = process.argv[2];
const dependencyUrl = process.env.DEPENDENCY_URL;
const settings = JSON.parse(process.env.BREAKER_SETTINGS);
const FALLBACK = { name: 'guest' };

const epochMs = () => performance.timeOrigin + performance.now();
/** Each call that reached for the dependency: [start, end] in epoch ms (end NaN while running). */
let calls = [];
/** Each GC pause: [start epoch ms, duration ms, kind]. */
let gcs = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcs.push([performance.timeOrigin + entry.startTime, entry.duration, entry.detail?.kind]);
}).observe({ entryTypes: ['gc'] });
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
let cpuSince = process.cpuUsage();
/**
 * Each event-loop stall over STALL_MS: [start epoch ms, length ms, process CPU ms during it]. A 1 ms
 * timer notices it; the CPU tells this process's own work (CPU close to the length) from time the
 * machine gave to others (little CPU), which the histogram above cannot.
 */
let stalls = [];
const STALL_MS = 1;
let tickAt = performance.now();
let tickCpu = process.cpuUsage();
const cpuMs = (usage) => (usage.user + usage.system) / 1000;
(function tick() {
  const now = performance.now();
  const cpu = process.cpuUsage();
  const late = now - tickAt - 1;
  if (late > STALL_MS) stalls.push([performance.timeOrigin + tickAt, late, cpuMs(cpu) - cpuMs(tickCpu)]);
  tickAt = now;
  tickCpu = cpu;
  setTimeout(tick, 1).unref();
})();

/** A GET on a fresh connection that stops when `signal` fires. */
function callDependency(signal) {
  const call = [epochMs(), Number.NaN];
  calls.push(call);
  const settle = () => (call[1] = epochMs());
  return new Promise((resolve, reject) => {
    const req = http.get(`${dependencyUrl}/profile`, { agent: false, signal }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    });
    req.on('error', reject);
  }).finally(settle);
}

const app = express();
let state;
/** How long each read took inside the handler, in ms: the breaker's own cost, without HTTP queueing. */
let readMs = [];
/** The same, for the reads made while the breaker was half-open: the probing read, and any made while its probe is out. */
let probingReadMs = [];
const timed = async (read) => {
  const halfOpen = state() === 'half-open';
  const started = performance.now();
  const value = await read();
  const ms = performance.now() - started;
  readMs.push(ms);
  if (halfOpen) probingReadMs.push(ms);
  return value;
};

// The floor, the state and the telemetry come first, so that no Ballast middleware runs for them.
app.get('/bare', (_req, res) => res.json(FALLBACK));
app.get('/state', (_req, res) => res.json({ state: state() }));
app.get('/telemetry', (req, res) => res.json(telemetry(req.query.reset !== undefined)));

if (variant === 'ballast') {
  // Mounted as the root README mounts it: observe() and a global limit, then the route reads.
  const ballast = createBallast({ limits: { api: { maxConcurrent: 10_000 } }, dependencies: { profiles: settings } });
  await ballast.start();
  const b = ballastExpress(ballast);
  const profiles = ballast.dependency('profiles');
  state = () => profiles.state;
  app.use(b.observe());
  app.use(b.limit('api'));
  app.get('/read', async (req, res) => {
    res.json(await timed(() => req.ballast.read('profiles', callDependency, { fallback: () => FALLBACK })));
  });
} else {
  const breaker = new CircuitBreaker(() => callDependency(breaker.getSignal()), {
    timeout: settings.timeoutMs,
    errorThresholdPercentage: settings.errorThresholdPercentage,
    volumeThreshold: settings.volumeThreshold,
    resetTimeout: settings.resetTimeoutMs,
    abortController: new AbortController(),
    autoRenewAbortController: true,
  });
  breaker.fallback(() => FALLBACK);
  state = () => (breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed');
  app.get('/read', async (_req, res) => {
    const value = await timed(() => breaker.fire());
    if (value === FALLBACK) res.set('Ballast-Degraded', 'profiles');
    res.json(value);
  });
}

/** What happened since the last reset; `reset` starts a new phase. */
function telemetry(reset) {
  const ms = (ns) => ns / 1e6;
  const cpu = process.cpuUsage(cpuSince);
  const report = {
    cpuMs: (cpu.user + cpu.system) / 1000,
    reads: readMs,
    probingReads: probingReadMs,
    calls,
    gcs,
    stalls,
    loopDelay: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) },
  };
  if (reset) {
    readMs = [];
    probingReadMs = [];
    calls = [];
    gcs = [];
    stalls = [];
    loopDelay.reset();
    cpuSince = process.cpuUsage();
  }
  return report;
}
const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
