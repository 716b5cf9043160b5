/**
 * One Express app under test, run as a child of run.mjs so the load generator
 * does not share its event loop. `variant` is `ballast` (req.ballast.read) or
 * `opossum` (a breaker used directly, as its README suggests). Both answer
 * `GET /read` from a dependency at DEPENDENCY_URL, with a fallback, and
 * `GET /bare` with the fallback value and nothing else (the floor: what this
 * server and machine cost without a breaker).
 *
 * `GET /telemetry` (`?reset` starts a new phase) tells what happened in the process
 * since the last reset, for run.mjs to line up with each request's latency: every
 * call to the dependency (start, end), every GC pause, the event-loop delay, and
 * the time each read took inside the handler, and the process's CPU time.
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

if (variant === 'ballast') {
  const ballast = createBallast({ limits: { api: { maxConcurrent: 10_000 } }, dependencies: { profiles: settings } });
  const b = ballastExpress(ballast);
  const profiles = ballast.dependency('profiles');
  state = () => profiles.state;
  app.get('/read', b.limit('api'), async (req, res) => {
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

app.get('/bare', (_req, res) => res.json(FALLBACK));
app.get('/state', (_req, res) => res.json({ state: state() }));
app.get('/telemetry', (req, res) => {
  const ms = (ns) => ns / 1e6;
  const cpu = process.cpuUsage(cpuSince);
  res.json({
    cpuMs: (cpu.user + cpu.system) / 1000,
    reads: readMs,
    probingReads: probingReadMs,
    calls,
    gcs,
    loopDelay: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) },
  });
  if (req.query.reset !== undefined) {
    readMs = [];
    probingReadMs = [];
    calls = [];
    gcs = [];
    loopDelay.reset();
    cpuSince = process.cpuUsage();
  }
});
const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
