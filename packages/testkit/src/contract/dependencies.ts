import { afterEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createBallast, type Ballast, type DependencySettingsInput } from '@ballast/core';
import type { AdapterHarness, RouteSpec, RunningApp } from '../harness.js';
import { HttpStatusError, startScriptedDependency, type ScriptedDependency } from '../dependency.js';
import { until } from '../latch.js';
import { WRITE_SECRET } from './admin.js';

const GUEST = { name: 'guest' };
// A generous timeout so a healthy call never times out on a loaded CI machine; only the hang step waits for it.
const fast = { timeoutMs: 1000, volumeThreshold: 4, errorThresholdPercentage: 50, resetTimeoutMs: 200 } satisfies DependencySettingsInput;

/** Degraded reads: breakers against a real HTTP dependency, fallbacks, last good values, `Ballast-Degraded`. */
export function dependenciesContract(harness: AdapterHarness): void {
  describe(`${harness.name}: degraded reads`, () => {
    let app: RunningApp | undefined;
    let ballast: Ballast | undefined;
    let dep: ScriptedDependency | undefined;
    afterEach(async () => {
      await app?.close();
      await ballast?.stop();
      await dep?.close();
      app = ballast = dep = undefined;
    });

    /** An app whose `/profiles/:id` reads the scripted dependency through the breaker `profiles`. */
    async function start(settings: DependencySettingsInput, extra: RouteSpec[] = []): Promise<{ get(path: string): Promise<request.Response> }> {
      const d = (dep = await startScriptedDependency());
      const b = (ballast = createBallast({
        limits: { api: { maxConcurrent: 1000 } },
        dependencies: { profiles: settings, prices: fast },
        admin: { tokens: { ops: { secret: WRITE_SECRET, role: 'write' } } },
      }));
      const profileRoute: RouteSpec = {
        method: 'get',
        path: '/profiles/:id',
        limits: ['api'],
        handler: async ({ params, scope }) => ({
          body: await scope.read('profiles', (signal) => d.getJson(`/profiles/${params.id}`, signal), {
            fallback: () => GUEST,
            cacheKey: `profile:${params.id}`,
          }),
        }),
      };
      const plain: RouteSpec = { method: 'get', path: '/plain', limits: ['api'], handler: () => ({ body: { ok: true } }) };
      const a = (app = await harness.start(b, { routes: [profileRoute, plain, ...extra], adminPrefix: '/_ballast', observe: true }));
      return { get: (path) => request(a.server).get(path).then((r) => r) };
    }

    it('opens after the threshold, falls back while open, probes half-open, and closes on recovery', async () => {
      const { get } = await start({ ...fast, errorThresholdPercentage: 75 });
      const d = dep!;
      const profiles = ballast!.dependency('profiles');
      const expectDegraded = (r: request.Response, body: unknown): void => {
        expect(r.status).toBe(200);
        expect(r.body).toEqual(body);
        expect(r.headers['ballast-degraded']).toBe('profiles');
      };

      const healthy = await get('/profiles/1');
      expect(healthy.body).toEqual({ path: '/profiles/1', hit: 1 });
      expect(healthy.headers['ballast-degraded']).toBeUndefined();

      await d.behave({ kind: 'status', status: 500 });
      for (const id of ['2', '3']) expectDegraded(await get(`/profiles/${id}`), GUEST);
      expect(profiles.state).toBe('closed');
      expectDegraded(await get('/profiles/1'), { path: '/profiles/1', hit: 1 }); // the last good value, 4th call
      expect(profiles.state).toBe('open');
      const hitsWhenOpened = d.hits;

      for (const id of ['1', '2', '3']) expectDegraded(await get(`/profiles/${id}`), id === '1' ? healthy.body : GUEST);
      expect(d.hits).toBe(hitsWhenOpened);

      // Slower than the timeout: the one probe is abandoned and its request aborted. The
      // request that triggered it has its fallback at once: the probe runs detached.
      await d.behave({ kind: 'hang' });
      await until(() => profiles.state === 'half-open', 5000, 'half-open');
      expectDegraded(await get('/profiles/2'), GUEST);
      await until(() => d.hits === hitsWhenOpened + 1, 5000, 'the probe to reach the dependency');
      expect(profiles.state).toBe('half-open');
      expect(profiles.stats.inFlight).toBe(1);
      await until(() => d.aborted === 1, 5000, 'the timed-out call to be aborted');
      await until(() => profiles.state === 'open', 5000, 'the failed probe to reopen the breaker');

      // Connection refused: the probe fails at once.
      await d.behave({ kind: 'down' });
      await until(() => profiles.state === 'half-open', 5000, 'half-open');
      expectDegraded(await get('/profiles/2'), GUEST);
      await until(() => profiles.state === 'open', 5000, 'the failed probe to reopen the breaker');

      // A good probe closes the breaker and refreshes the last good value.
      await d.behave({ kind: 'healthy' });
      await until(() => profiles.state === 'half-open', 5000, 'half-open');
      const hitsBeforeProbe = d.hits;
      expectDegraded(await get('/profiles/2'), GUEST);
      await until(() => profiles.state === 'closed', 5000, 'the good probe to close the breaker');
      const recovered = await get('/profiles/3');
      expect(recovered.body).toMatchObject({ path: '/profiles/3' });
      expect(recovered.headers['ballast-degraded']).toBeUndefined();
      expect(profiles.stats).toMatchObject({ timeouts: 1, inFlight: 0 });
      ballast!.dependencies.update('profiles', { force: 'open' });
      expectDegraded(await get('/profiles/2'), { path: '/profiles/2', hit: hitsBeforeProbe + 1 });
    });

    it('lets only the configured number of half-open probes reach the dependency under concurrent requests', async () => {
      const { get } = await start({ ...fast, volumeThreshold: 1, halfOpenMaxProbes: 2 });
      const d = dep!;
      const profiles = ballast!.dependency('profiles');
      await d.behave({ kind: 'hang' });
      await get('/profiles/1');
      expect(profiles.state).toBe('open');
      await until(() => profiles.state === 'half-open', 5000, 'half-open');
      const before = d.hits;
      const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => get(`/profiles/${i}`)));
      expect(d.hits - before).toBe(2);
      for (const r of responses) expect(r.headers['ballast-degraded']).toBe('profiles');
    });

    it('lists every degraded dependency in one header, and marks no other response', async () => {
      const both: RouteSpec = {
        method: 'get',
        path: '/both',
        limits: ['api'],
        handler: async ({ scope }) => {
          const fail = (): Promise<never> => Promise.reject(new Error('down'));
          const profile = await scope.read('profiles', fail, { fallback: () => GUEST });
          const price = await scope.read('prices', fail, { fallback: () => 0 });
          return { body: { profile, price } };
        },
      };
      const { get } = await start(fast, [both]);
      const r = await get('/both');
      expect(r.body).toEqual({ profile: GUEST, price: 0 });
      expect(r.headers['ballast-degraded']).toBe('profiles, prices');
      expect((await get('/plain')).headers['ballast-degraded']).toBeUndefined();
      expect((await get('/profiles/7')).headers['ballast-degraded']).toBeUndefined();
    });

    it('passes a filtered 404 to the handler unchanged, without falling back or counting a failure', async () => {
      const missing: RouteSpec = {
        method: 'get',
        path: '/missing',
        limits: ['api'],
        handler: async ({ scope }) => {
          try {
            return { body: await scope.read('prices', (signal) => dep!.getJson('/missing', signal), { fallback: () => 0 }) };
          } catch (error) {
            return { status: (error as HttpStatusError).status, body: { error: 'not_found' } };
          }
        },
      };
      const d = (dep = await startScriptedDependency());
      const b = (ballast = createBallast({
        limits: { api: { maxConcurrent: 10 } },
        dependencies: { prices: { ...fast, volumeThreshold: 1, errorFilter: (e) => e instanceof HttpStatusError && e.status === 404 } },
      }));
      const a = (app = await harness.start(b, { routes: [missing] }));
      await d.behave({ kind: 'status', status: 404 });
      const r = await request(a.server).get('/missing');
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ error: 'not_found' });
      expect(r.headers['ballast-degraded']).toBeUndefined();
      expect(b.dependencies.view('prices')).toMatchObject({ state: 'closed', stats: { filtered: 1, failures: 0, fallbacks: 0 } });
    });

    it('shows breakers in GET /dependencies and forces one open with PATCH, audited', async () => {
      const { get } = await start(fast);
      const auth = `Bearer ${WRITE_SECRET}`;
      const list = await request(app!.server).get('/_ballast/dependencies').set('authorization', auth);
      expect(list.status).toBe(200);
      expect(list.body.dependencies.profiles).toMatchObject({ name: 'profiles', state: 'closed', version: 1, settings: { ...fast, force: null } });
      const stale = await request(app!.server).patch('/_ballast/dependencies/profiles').set('authorization', auth).set('if-match', '"9"').send({ force: 'open' });
      expect(stale.status).toBe(412);
      const bad = await request(app!.server).patch('/_ballast/dependencies/profiles').set('authorization', auth).send({ timeoutMs: -5 });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: 'invalid', field: 'timeoutMs' });
      const forced = await request(app!.server).patch('/_ballast/dependencies/profiles').set('authorization', auth).set('if-match', '"1"').send({ force: 'open' });
      expect(forced.status).toBe(200);
      expect(forced.headers.etag).toBe('"2"');
      expect(forced.body).toMatchObject({ state: 'open', settings: { force: 'open' } });
      const r = await get('/profiles/1');
      expect(r.body).toEqual(GUEST);
      expect(r.headers['ballast-degraded']).toBe('profiles');
      expect(dep!.hits).toBe(0);
      const one = await request(app!.server).get('/_ballast/dependencies/profiles').set('authorization', auth);
      expect(one.headers.etag).toBe('"2"');
      expect(one.body).toMatchObject({ name: 'profiles', state: 'open', stats: { rejected: 1, fallbacks: 1, calls: 0 } });
      expect(ballast!.audit.recent()).toHaveLength(1);
      expect(ballast!.audit.recent()[0]).toMatchObject({ actor: 'ops', action: 'dependency.update', target: 'profiles' });
    });
  });
}
