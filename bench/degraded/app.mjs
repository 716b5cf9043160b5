/**
 * One Express app under test, run as a child of run.mjs so the load generator
 * does not share its event loop. `variant` is `ballast` (req.ballast.read) or
 * `opossum` (a breaker used directly, as its README suggests). Both answer
 * `GET /read` from a dependency at DEPENDENCY_URL, with a fallback.
 */
import http from 'node:http';
import express from 'express';
import CircuitBreaker from 'opossum';
import { createBallast } from '@ballast/core';
import { ballastExpress } from '@ballast/express';

const variant = process.argv[2];
const dependencyUrl = process.env.DEPENDENCY_URL;
const settings = JSON.parse(process.env.BREAKER_SETTINGS);
const FALLBACK = { name: 'guest' };

/** A GET on a fresh connection that stops when `signal` fires. */
function callDependency(signal) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${dependencyUrl}/profile`, { agent: false, signal }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    });
    req.on('error', reject);
  });
}

const app = express();
let state;
/** How long each read took inside the handler, in ms: the breaker's own cost, without HTTP queueing. */
let readMs = [];
const timed = async (read) => {
  const started = performance.now();
  const value = await read();
  readMs.push(performance.now() - started);
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

app.get('/state', (_req, res) => res.json({ state: state() }));
app.get('/reads', (req, res) => {
  const sorted = readMs.sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const waited = sorted.filter((ms) => ms >= settings.timeoutMs).length;
  res.json({ count: sorted.length, p50: at(0.5), p99: at(0.99), max: at(1), waitedForTimeout: waited });
  if (req.query.reset !== undefined) readMs = [];
});
const server = app.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
