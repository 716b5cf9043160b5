import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { createBallast, flagBucket, type Ballast, type BallastEvents, type BallastOptions, type FlagView } from '@ballast/core';
import type { AdapterHarness, RunningApp } from '../harness.js';
import { runningApps } from './running.js';

const WRITE = 'flags-write-secret-0123';
const READ = 'flags-read-secret-01234';
const PREFIX = '/_ballast';
const admin = { tokens: { ops: { secret: WRITE, role: 'write' as const }, viewer: { secret: READ, role: 'read' as const } } };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Test-only cohort: trusts two headers the test sets (an app derives these from trusted data). */
const rollout = { cohort: (r: { header(name: string): string | undefined }) => ({ stage: r.header('x-ring'), key: r.header('x-account') }) };

/** `n` account keys whose bucket for `flag` is (or is not) within `percent`. */
function accounts(flag: string, n: number, within: (bucket: number) => boolean): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (within(flagBucket(flag, `acct-${i}`))) out.push(`acct-${i}`);
  return out;
}

/** Staged rollout: `flag()` in a request, the admin routes, and guarded rollbacks. */
export function flagsContract(harness: AdapterHarness): void {
  describe(`${harness.name}: feature flags`, () => {
    const apps = runningApps(harness);
    let ballast: Ballast | undefined;

    /** How the new code path behaves: `slowMs` of extra latency, or a 500 while `failing`. */
    const start = async (options: BallastOptions, path: { slowMs: number; failing?: boolean } = { slowMs: 0 }): Promise<RunningApp> => {
      ballast = createBallast({ admin, rollout, ...options });
      return apps.start(ballast, {
        observe: true,
        adminPrefix: PREFIX,
        routes: [
          {
            method: 'get',
            path: '/checkout',
            handler: async ({ scope }) => {
              const fresh = scope.flag('newCheckout');
              // The new code path is the slow (or failing) one; twice in one request answers the same (sticky key).
              if (fresh && path.slowMs > 0) await sleep(path.slowMs);
              return { status: fresh && path.failing === true ? 500 : 200, body: { fresh, again: scope.flag('newCheckout') } };
            },
          },
        ],
      });
    };
    const get = (a: RunningApp, ring: string, account?: string) => {
      const r = request(a.server).get('/checkout').set('x-ring', ring);
      return account === undefined ? r : r.set('x-account', account);
    };
    const as = (secret: string) => ({ authorization: `Bearer ${secret}` });

    it('answers req.ballast.flag by the request ring and sticky key', async () => {
      const a = await start({ flags: { newCheckout: { stage: 'beta', percent: 10 } } });
      const [inside] = accounts('newCheckout', 1, (b) => b <= 10);
      const [outside] = accounts('newCheckout', 1, (b) => b > 10);
      expect((await get(a, 'internal', outside).expect(200)).body).toEqual({ fresh: true, again: true });
      expect((await get(a, 'beta', inside).expect(200)).body).toEqual({ fresh: true, again: true });
      expect((await get(a, 'beta', outside).expect(200)).body).toEqual({ fresh: false, again: false });
      expect((await get(a, 'all', inside).expect(200)).body).toEqual({ fresh: false, again: false });
      const view = (await request(a.server).get(`${PREFIX}/flags/newCheckout`).set(as(READ)).expect(200)).body as FlagView;
      expect(view.evaluations).toEqual({ internal: { on: 2, off: 0 }, beta: { on: 2, off: 2 }, all: { on: 0, off: 2 } });
    });

    it('serves GET /flags and PATCH with If-Match, ETag, validation and audit', async () => {
      const a = await start({ flags: { newCheckout: { stage: 'internal' } } });
      const list = await request(a.server).get(`${PREFIX}/flags`).set(as(READ)).expect(200);
      expect(list.body).toEqual({
        flags: {
          newCheckout: {
            name: 'newCheckout',
            state: { stage: 'internal', percent: 100 },
            version: expect.any(Number),
            source: 'code',
            evaluations: { internal: { on: 0, off: 0 }, beta: { on: 0, off: 0 }, all: { on: 0, off: 0 } },
          },
        },
      });
      const one = await request(a.server).get(`${PREFIX}/flags/newCheckout`).set(as(READ)).expect(200);
      const etag = one.headers.etag as string;
      const patched = await request(a.server).patch(`${PREFIX}/flags/newCheckout`).set(as(WRITE)).set('if-match', etag).send({ stage: 'beta', percent: 10 }).expect(200);
      expect(patched.body).toMatchObject({ state: { stage: 'beta', percent: 10 }, source: 'override' });
      expect(patched.headers.etag).not.toBe(etag);
      await request(a.server).patch(`${PREFIX}/flags/newCheckout`).set(as(WRITE)).set('if-match', etag).send({ percent: 50 }).expect(412);
      const audited = ballast!.audit.recent().length;
      const same = await request(a.server).patch(`${PREFIX}/flags/newCheckout`).set(as(WRITE)).send({ percent: 10 }).expect(200);
      expect(same.body.version).toBe(patched.body.version);
      expect(ballast!.audit.recent()).toHaveLength(audited);
      const bad = await request(a.server).patch(`${PREFIX}/flags/newCheckout`).set(as(WRITE)).send({ stage: 'gamma' }).expect(400);
      expect(bad.body).toMatchObject({ error: 'invalid', field: 'stage' });
      await request(a.server).patch(`${PREFIX}/flags/newCheckout`).set(as(WRITE)).send({ percent: 101 }).expect(400);
      await request(a.server).patch(`${PREFIX}/flags/newCheckout`).set(as(READ)).send({ percent: 20 }).expect(403);
      await request(a.server).patch(`${PREFIX}/flags/nope`).set(as(WRITE)).send({ percent: 20 }).expect(404);
      expect(ballast!.flags.state('newCheckout')).toEqual({ stage: 'beta', percent: 10 });
      expect(ballast!.audit.recent()[0]).toMatchObject({ actor: 'ops', action: 'flag.update', target: 'newCheckout', before: { stage: 'internal', percent: 100 }, after: { stage: 'beta', percent: 10 } });
      const off = await request(a.server).patch(`${PREFIX}/flags/newCheckout`).set(as(WRITE)).send({ stage: 'off' }).expect(200);
      expect(off.body.state.stage).toBe('off');
      expect((await get(a, 'internal').expect(200)).body.fresh).toBe(false);
      // DELETE of the override honours If-Match too: a stale one is a 412 that changes nothing.
      const current = off.headers.etag as string;
      await request(a.server).delete(`${PREFIX}/flags/newCheckout/override`).set(as(WRITE)).set('if-match', etag).expect(412);
      expect(ballast!.flags.view('newCheckout')).toMatchObject({ state: { stage: 'off' }, source: 'override' });
      const reverted = await request(a.server).delete(`${PREFIX}/flags/newCheckout/override`).set(as(WRITE)).set('if-match', current).expect(200);
      expect(reverted.body).toMatchObject({ state: { stage: 'internal', percent: 100 }, source: 'code' });
    });

    it('answers bad admin input with 4xx and leaves the state, version and audit log as they were', async () => {
      const a = await start({ flags: { newCheckout: { stage: 'beta', percent: 10, steps: [{ stage: 'beta', percent: 10 }, { stage: 'all' }] } } });
      const before = (await request(a.server).get(`${PREFIX}/flags/newCheckout`).set(as(READ)).expect(200)).body as FlagView;
      const audited = ballast!.audit.recent().length;
      const patch = (body: unknown, headers: Record<string, string> = {}) => request(a.server).patch(`${PREFIX}/flags/newCheckout`).set(as(WRITE)).set(headers).send(body as object);
      const invalid: [unknown, string][] = [
        [{ percent: 101 }, 'percent'],
        [{ percent: -1 }, 'percent'],
        [{ percent: 1.5 }, 'percent'],
        [{ percent: 'NaN' }, 'percent'],
        [{ percent: '50' }, 'percent'],
        [{ percent: null }, 'percent'],
        [{ stage: 'gamma' }, 'stage'],
        [{ stage: 'toString' }, 'stage'],
        [{ stage: 'all', rollout: 5 }, 'rollout'],
      ];
      for (const [body, field] of invalid) expect((await patch(body).expect(400)).body, JSON.stringify(body)).toMatchObject({ error: 'invalid', field });
      await patch({ percent: 50 }, { 'if-match': `"${before.version + 1}"` }).expect(412);
      await request(a.server).patch(`${PREFIX}/flags/nope`).set(as(WRITE)).send({ percent: 50 }).expect(404);
      await request(a.server).post(`${PREFIX}/flags/nope/promote`).set(as(WRITE)).expect(404);
      await request(a.server).post(`${PREFIX}/flags/newCheckout/promote`).set(as(WRITE)).set('if-match', `"${before.version + 1}"`).expect(412);
      await request(a.server).post(`${PREFIX}/flags/newCheckout/rollback`).set(as(WRITE)).expect(409);
      await request(a.server).post(`${PREFIX}/flags/newCheckout/promote`).set(as(READ)).expect(403);
      const after = (await request(a.server).get(`${PREFIX}/flags/newCheckout`).set(as(READ)).expect(200)).body as FlagView;
      expect({ state: after.state, version: after.version, source: after.source }).toEqual({ state: { stage: 'beta', percent: 10 }, version: before.version, source: 'code' });
      expect(ballast!.audit.recent()).toHaveLength(audited);
      // At the last step, promote is a 409 that changes nothing either.
      await request(a.server).post(`${PREFIX}/flags/newCheckout/promote`).set(as(WRITE)).expect(200);
      const last = (await request(a.server).post(`${PREFIX}/flags/newCheckout/promote`).set(as(WRITE)).expect(409)).body as { error: string };
      expect(last.error).toBe('BALLAST_FLAG_NO_STEP');
      expect(ballast!.flags.state('newCheckout')).toEqual({ stage: 'all', percent: 100 });
      expect(ballast!.audit.recent()).toHaveLength(audited + 1);
    });

    it('promotes and rolls back through the steps, 409 past either end', async () => {
      const a = await start({ flags: { newCheckout: { stage: 'internal', steps: [{ stage: 'internal' }, { stage: 'beta', percent: 50 }, { stage: 'all' }] } } });
      const post = (action: string) => request(a.server).post(`${PREFIX}/flags/newCheckout/${action}`).set(as(WRITE));
      await post('rollback').expect(409);
      expect((await post('promote').expect(200)).body.state).toEqual({ stage: 'beta', percent: 50 });
      expect((await post('promote').expect(200)).body.state).toEqual({ stage: 'all', percent: 100 });
      const past = await post('promote').expect(409);
      expect(past.body.error).toBe('BALLAST_FLAG_NO_STEP');
      expect((await post('rollback').expect(200)).body.state).toEqual({ stage: 'beta', percent: 50 });
      const actions = ballast!.audit.recent().map((e) => [e.actor, e.action]);
      expect(actions).toEqual([['ops', 'flag.rollback'], ['ops', 'flag.promote'], ['ops', 'flag.promote']]);
    });

    it('rolls a promotion back when its guard fails in the window: audit actor guard, flag:rolled-back, /health warns', async () => {
      const guard = 'p99(latency, /checkout) < 50ms';
      const a = await start(
        {
          observe: { windowMs: 1000, evaluateIntervalMs: 20 },
          flags: { newCheckout: { stage: 'internal', guard: { expression: guard, minSamples: 5 }, guardWindowMs: 20_000 } },
        },
        { slowMs: 80 },
      );
      const rolledBack = new Promise<BallastEvents['flag:rolled-back']>((resolve) => ballast!.events.once('flag:rolled-back', resolve));
      const promoted = await request(a.server).post(`${PREFIX}/flags/newCheckout/promote`).set(as(WRITE)).expect(200);
      expect(promoted.body.state).toEqual({ stage: 'beta', percent: 10 });
      expect(promoted.body.guard.watchingUntil).not.toBeNull();
      // A tenth of beta gets the slow new path; the rest stays on the fast old one.
      const keys = [...accounts('newCheckout', 6, (b) => b <= 10), ...accounts('newCheckout', 6, (b) => b > 10)];
      await Promise.all(keys.map((key) => get(a, 'beta', key).expect(200)));
      const event = await rolledBack;
      expect(event).toMatchObject({ name: 'newCheckout', from: { stage: 'beta', percent: 10 }, to: { stage: 'internal', percent: 100 }, actor: 'guard', guard, observedUnit: 'ms' });
      expect(event.observedValue).toBeGreaterThanOrEqual(50);

      const view = (await request(a.server).get(`${PREFIX}/flags/newCheckout`).set(as(READ)).expect(200)).body as FlagView;
      expect(view.state).toEqual({ stage: 'internal', percent: 100 });
      expect(view.guard).toMatchObject({ watchingUntil: null, lastRollback: { from: { stage: 'beta', percent: 10 }, guard } });
      const guardEntries = ballast!.audit.recent().filter((e) => e.actor === 'guard');
      expect(guardEntries).toEqual([expect.objectContaining({ action: 'flag.guard-rollback', target: 'newCheckout', before: { stage: 'beta', percent: 10 } })]);
      const health = await request(a.server).get(`${PREFIX}/health`).set(as(READ));
      const body = JSON.parse(health.text) as { checks: Record<string, { status: string; output: string }[]> };
      expect(body.checks['flag:newCheckout']?.[0]).toMatchObject({ status: 'warn' });
      // A warning, not a failure: the instance stays healthy.
      expect(health.status).toBe(200);
      // The beta tenth is back on the old path.
      expect((await get(a, 'beta', keys[0]).expect(200)).body.fresh).toBe(false);
      // The next change of the flag, by anyone, clears the warning.
      await request(a.server).patch(`${PREFIX}/flags/newCheckout`).set(as(WRITE)).send({ stage: 'off' }).expect(200);
      const cleared = JSON.parse((await request(a.server).get(`${PREFIX}/health`).set(as(READ)).expect(200)).text) as { checks: Record<string, unknown> };
      expect(cleared.checks['flag:newCheckout']).toBeUndefined();
    });

    it('judges the guard only on requests after the change: failures before it never count', async () => {
      // Errors, not latency: a status does not depend on how loaded the machine is, so
      // neither does the verdict (a fast request can take 75 ms on a busy CI machine).
      const path = { slowMs: 0, failing: true };
      const a = await start(
        {
          observe: { windowMs: 60_000, evaluateIntervalMs: 20 },
          flags: { newCheckout: { stage: 'beta', percent: 100, guard: { expression: 'error_rate(/checkout) < 5%', minSamples: 5 } } },
        },
        path,
      );
      // Failing before the change: the sliding window's error rate is 100 %.
      await Promise.all(Array.from({ length: 8 }, () => get(a, 'beta').expect(500)));
      path.failing = false;
      let failedAfterChange = false;
      const rolled: (BallastEvents['flag:rolled-back'] & { failedAfterChange: boolean })[] = [];
      ballast!.events.on('flag:rolled-back', (e) => rolled.push({ ...e, failedAfterChange }));
      const promoted = await request(a.server).post(`${PREFIX}/flags/newCheckout/promote`).set(as(WRITE)).expect(200);
      expect(promoted.body.state).toEqual({ stage: 'all', percent: 10 });
      // Ten good answers after the change: a guard that counted the eight failures (8 of 18) would fail.
      for (let i = 0; i < 10; i++) await get(a, 'all').expect(200);
      // Then one failure (the internal ring always takes the new path): 1 of 11 is above 5 %, and
      // only from here on may the guard fail, judging 1 of 11, not 9 of 19.
      path.failing = true;
      failedAfterChange = true;
      await get(a, 'internal').expect(500);
      await expect.poll(() => rolled.length, { timeout: 20_000 }).toBe(1);
      expect(rolled[0]).toMatchObject({ from: { stage: 'all', percent: 10 }, to: { stage: 'beta', percent: 100 }, observedUnit: '%', failedAfterChange: true });
      expect(rolled[0]!.observedValue).toBeCloseTo(100 / 11, 2);
      expect(ballast!.flags.state('newCheckout')).toEqual({ stage: 'beta', percent: 100 });
    });
  });
}
