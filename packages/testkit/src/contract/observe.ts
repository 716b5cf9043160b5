import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { createBallast, type Ballast, type BallastEvents } from '@ballast/core';
import type { AdapterHarness } from '../harness.js';
import { Latch, until } from '../latch.js';
import { runningApps } from './running.js';

const SECRET = 'observe-contract-secret';
const admin = { tokens: { ops: { secret: SECRET, role: 'read' as const } } };
const auth = { authorization: `Bearer ${SECRET}` };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves with the next payload of `event`. */
function nextEvent<K extends keyof BallastEvents & string>(ballast: Ballast, event: K): Promise<BallastEvents[K]> {
  return new Promise((resolve) => ballast.events.once(event, resolve));
}

/** Parses Prometheus text into families: TYPE and samples (name, labels, value). */
export function parseExposition(text: string): Map<string, { type: string; samples: { name: string; labels: Record<string, string>; value: number }[] }> {
  const families = new Map<string, { type: string; samples: { name: string; labels: Record<string, string>; value: number }[] }>();
  let current: { type: string; samples: { name: string; labels: Record<string, string>; value: number }[] } | undefined;
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type !== null) {
      current = { type: type[2] as string, samples: [] };
      families.set(type[1] as string, current);
      continue;
    }
    if (line.startsWith('#') || line.trim() === '') continue;
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (sample === null || current === undefined) throw new Error(`unparsable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const m of (sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[m[1] as string] = m[2] as string;
    current.samples.push({ name: sample[1] as string, labels, value: Number(sample[3]) });
  }
  return families;
}

/** Monitoring: latency asserts, connection asserts, health and metrics, under real traffic. */
export function observeContract(harness: AdapterHarness): void {
  describe(`${harness.name}: observe, asserts, health, metrics`, () => {
    const running = runningApps(harness);

    it('fails p99(latency) < 50ms when a route turns slow (503 on /health, assert:failed) and recovers when it is fast again', async () => {
      const ballast = createBallast({
        admin,
        observe: { windowMs: 1000, evaluateIntervalMs: 20 },
        asserts: { latency: { expression: 'p99(latency) < 50ms', minSamples: 5 } },
      });
      let delayMs = 80;
      const app = await running.start(ballast, {
        observe: true,
        adminPrefix: '/_ballast',
        routes: [{ method: 'get', path: '/work/:id', handler: async () => (await sleep(delayMs), { body: { ok: true } }) }],
      });
      const failed = nextEvent(ballast, 'assert:failed');
      await Promise.all(Array.from({ length: 20 }, (_, i) => request(app.server).get(`/work/${i}`).expect(200)));
      const failure = await failed;
      expect(failure).toMatchObject({ name: 'latency', expression: 'p99(latency) < 50ms', observedUnit: 'ms' });
      expect(failure.observedValue).toBeGreaterThanOrEqual(50);

      const sick = await request(app.server).get('/_ballast/health').set(auth);
      expect(sick.status).toBe(503);
      expect(sick.headers['content-type']).toMatch(/^application\/health\+json/);
      const body = JSON.parse(sick.text) as { status: string; checks: Record<string, { status: string; observedValue: number; observedUnit: string }[]> };
      expect(body.status).toBe('fail');
      expect(body.checks['assert:latency']?.[0]).toMatchObject({ status: 'fail', observedUnit: 'ms' });
      expect(body.checks['assert:latency']?.[0]?.observedValue).toBeGreaterThanOrEqual(50);
      // Liveness is the process only: a failing assert never restarts it.
      expect((await request(app.server).get('/_ballast/livez').set(auth)).status).toBe(200);
      // Probes need no token by default, and then show the verdict only.
      const probe = await request(app.server).get('/_ballast/readyz');
      expect([probe.status, JSON.parse(probe.text)]).toEqual([503, { status: 'fail' }]);

      delayMs = 0;
      const recovered = nextEvent(ballast, 'assert:recovered');
      let done = false;
      void recovered.then(() => (done = true));
      while (!done) await Promise.all(Array.from({ length: 5 }, (_, i) => request(app.server).get(`/work/${i}`).expect(200)));
      expect((await recovered).observedValue).toBeLessThan(50);
      // On a busy machine a stray slow request may tip p99 again: ask until /health agrees, keeping fast traffic up.
      let well = await request(app.server).get('/_ballast/health').set(auth);
      for (let tries = 0; well.status !== 200 && tries < 50; tries++) {
        await Promise.all(Array.from({ length: 5 }, (_, i) => request(app.server).get(`/work/${i}`).expect(200)));
        well = await request(app.server).get('/_ballast/health').set(auth);
      }
      expect(well.status).toBe(200);
      expect(JSON.parse(well.text)).toMatchObject({ status: 'pass' });
    });

    it('fails active_connections > 10 once traffic stops', async () => {
      const ballast = createBallast({ admin, observe: { windowMs: 1000, evaluateIntervalMs: 20 }, asserts: { traffic: 'active_connections > 10' } });
      const latch = new Latch();
      const app = await running.start(ballast, {
        observe: true,
        adminPrefix: '/_ballast',
        routes: [{ method: 'get', path: '/hold', handler: async () => (await latch.wait(), { body: { ok: true } }) }],
      });
      const agent = new http.Agent({ keepAlive: true, maxSockets: 12 });
      const get = (): Promise<number> =>
        new Promise((resolve, reject) => {
          http.get(`${app.url}/hold`, { agent }, (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0))).on('error', reject);
        });
      const held = Array.from({ length: 12 }, () => get());
      await latch.arrivedAtLeast(12);
      latch.open();
      expect(await Promise.all(held)).toEqual(Array.from({ length: 12 }, () => 200));
      const views = await ballast.asserts.evaluate();
      expect(views[0]).toMatchObject({ name: 'traffic', status: 'pass' });
      expect(views[0]?.observedValue).toBeGreaterThanOrEqual(12);

      const failed = nextEvent(ballast, 'assert:failed');
      agent.destroy();
      const failure = await failed;
      expect(failure.name).toBe('traffic');
      expect(failure.observedValue).toBeLessThanOrEqual(10);
      const res = await request(app.server).get('/_ballast/health').set(auth);
      expect(res.status).toBe(503);
    });

    it('sets up the request scope on routes without a limit', async () => {
      const ballast = createBallast({});
      const app = await running.start(ballast, {
        observe: true,
        routes: [{ method: 'get', path: '/scoped', handler: ({ scope }) => ({ body: { same: scope.ballast === ballast, degraded: scope.degraded } }) }],
      });
      const res = await request(app.server).get('/scoped').expect(200);
      expect(res.body).toEqual({ same: true, degraded: [] });
    });

    it('labels latency by route template, never by the raw path', async () => {
      const ballast = createBallast({ admin });
      const app = await running.start(ballast, {
        observe: true,
        adminPrefix: '/_ballast',
        routes: [{ method: 'get', path: '/items/:id', handler: () => ({ body: { ok: true } }) }],
      });
      for (const id of ['1', '2', 'abc']) await request(app.server).get(`/items/${id}`).expect(200);
      await request(app.server).get('/no/such/path').expect(404);
      // The admin API is Ballast's own traffic: a 503 from /health must not feed error_rate.
      await request(app.server).get('/_ballast/health').set(auth).expect(200);
      await request(app.server).get('/_ballast/limits').expect(401);
      await until(() => ballast.observer.windowHistogram().count === 4 && ballast.observer.inFlight === 0);
      const routes = ballast.observer.series().map((s) => s.route).sort();
      expect(routes).toEqual(['/items/:id', 'unmatched']);
      expect(ballast.observer.windowHistogram('/items/:id').count).toBe(3);
      expect(ballast.observer.windowHistogram().count).toBe(4);
    });

    it('leaves out an admin request whose client leaves before its response, as it leaves out one that completes', async () => {
      const writer = 'observe-contract-writer-secret';
      const ballast = createBallast({ admin: { tokens: { ops: { secret: writer, role: 'write' } } }, flags: { f: { stage: 'internal' } } });
      const app = await running.start(ballast, {
        observe: true,
        adminPrefix: '/_ballast',
        routes: [{ method: 'get', path: '/items', handler: () => ({ body: { ok: true } }) }],
      });
      await request(app.server).get('/items').expect(200);
      await until(() => ballast.observer.windowHistogram().count === 1 && ballast.observer.inFlight === 0);
      // A fresh connection, a PATCH whose body never comes in full: the admin API waits for it, then the client leaves.
      const { port } = app.server.address() as { port: number };
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => {
        /* the client's own leaving */
      });
      await once(socket, 'connect');
      socket.write(`PATCH /_ballast/flags/f HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${writer}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"pe`);
      await until(() => ballast.observer.inFlight === 1);
      socket.destroy();
      await until(() => ballast.observer.inFlight === 0);
      // Counted or not is decided when the exchange ends, which has happened once nothing is in flight.
      expect(ballast.observer.windowHistogram().count).toBe(1);
      expect(ballast.observer.series().map((s) => s.route)).toEqual(['/items']);
      expect(ballast.flags.get('f').state).toEqual({ stage: 'internal', percent: 100 });
    });

    it('exposes every metric family with plausible values, parsed back from the Prometheus text', async () => {
      const ballast = createBallast({
        admin,
        limits: { work: { maxConcurrent: 1, maxQueue: 0 } },
        dependencies: { profiles: {} },
        asserts: { latency: 'p99(latency) < 5s' },
      });
      const latch = new Latch();
      const app = await running.start(ballast, {
        observe: true,
        adminPrefix: '/_ballast',
        routes: [
          { method: 'get', path: '/work', limits: ['work'], handler: async () => (await latch.wait(), { body: { ok: true } }) },
          { method: 'get', path: '/fail', handler: () => ({ status: 500, body: { ok: false } }) },
        ],
      });
      const first = request(app.server).get('/work').then((r) => r.status);
      await latch.arrivedAtLeast(1);
      await request(app.server).get('/work').expect(503);
      latch.open();
      expect(await first).toBe(200);
      await request(app.server).get('/fail').expect(500);
      await until(() => ballast.observer.inFlight === 0);

      const res = await request(app.server).get('/_ballast/metrics').set(auth).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const families = parseExposition(res.text);
      const value = (family: string, labels: Record<string, string> = {}, name = family): number | undefined =>
        families.get(family)?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

      expect(families.get('ballast_limit_admitted_total')?.type).toBe('counter');
      expect(value('ballast_limit_admitted_total', { limit: 'work' })).toBe(1);
      expect(value('ballast_limit_shed_total', { limit: 'work', reason: 'queue_full' })).toBe(1);
      expect(value('ballast_limit_shed_total', { limit: 'work', reason: 'rate' })).toBe(0);
      expect(value('ballast_limit_running', { limit: 'work' })).toBe(0);
      expect(value('ballast_limit_queued', { limit: 'work' })).toBe(0);
      expect(value('ballast_limit_max_concurrent', { limit: 'work' })).toBe(1);
      expect(value('ballast_breaker_state', { dependency: 'profiles', state: 'closed' })).toBe(1);
      expect(value('ballast_breaker_state', { dependency: 'profiles', state: 'open' })).toBe(0);
      expect(value('ballast_breaker_calls_total', { dependency: 'profiles', outcome: 'success' })).toBe(0);
      expect(value('ballast_degraded_reads_total', { dependency: 'profiles', source: 'fallback' })).toBe(0);
      expect(value('ballast_assert_ok', { assert: 'latency' })).toBe(1);
      // The scrape itself passes through observe().
      expect(value('ballast_http_requests_in_flight')).toBe(1);
      expect(value('ballast_http_active_connections')).toBeGreaterThanOrEqual(1);

      const duration = families.get('ballast_http_request_duration_seconds');
      expect(duration?.type).toBe('histogram');
      const ok = { route: '/work', status_class: '2xx' };
      expect(value('ballast_http_request_duration_seconds', ok, 'ballast_http_request_duration_seconds_count')).toBe(1);
      expect(value('ballast_http_request_duration_seconds', { route: '/work', status_class: '5xx' }, 'ballast_http_request_duration_seconds_count')).toBe(1);
      expect(value('ballast_http_request_duration_seconds', { route: '/fail', status_class: '5xx' }, 'ballast_http_request_duration_seconds_count')).toBe(1);
      const buckets = duration!.samples.filter((s) => s.name.endsWith('_bucket') && s.labels.route === '/work' && s.labels.status_class === '2xx');
      expect(buckets.map((b) => b.labels.le)).toEqual(['0', '0.005', '0.01', '0.025', '0.05', '0.075', '0.1', '0.25', '0.5', '0.75', '1', '2.5', '5', '7.5', '10', '+Inf']);
      for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
      expect(buckets.at(-1)?.value).toBe(1);
      expect(value('ballast_http_request_duration_seconds', ok, 'ballast_http_request_duration_seconds_sum')).toBeGreaterThan(0);
      for (const family of families.keys()) expect(family).toMatch(/^ballast_/);
    });
  });
}
