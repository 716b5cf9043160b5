import http from 'node:http';
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { createBallast, type Ballast } from '@ballast/core';
import type { AdapterHarness, RunningApp } from '../harness.js';
import { PREFIX, READ_SECRET, WRITE_SECRET, patch } from './admin.js';
import { runningApps } from './running.js';

const OVERSIZED = JSON.stringify({ maxConcurrent: 5, pad: 'x'.repeat(20_000) });

/** A PATCH whose body is sent chunked, without Content-Length (what a streaming client does). */
function chunkedPatch(app: RunningApp, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const { port } = app.server.address() as { port: number };
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'PATCH',
        path: `${PREFIX}/limits/search`,
        agent: false,
        headers: { authorization: `Bearer ${WRITE_SECRET}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    const half = Math.floor(body.length / 2);
    req.write(body.slice(0, half));
    req.end(body.slice(half));
  });
}

/** Admin writes: the same answers with or without a body parser, PATCHes that change nothing, strong If-Match. */
export function adminWritesContract(harness: AdapterHarness): void {
  describe(`${harness.name}: admin writes`, () => {
    const running = runningApps(harness);
    async function start(bodyParser = false): Promise<{ ballast: Ballast; app: RunningApp }> {
      const ballast = createBallast({
        limits: { search: { maxConcurrent: 4, maxQueue: 8, queueTimeoutMs: 500 } },
        dependencies: { profiles: { timeoutMs: 300 } },
        admin: { tokens: { ops: { secret: WRITE_SECRET, role: 'write' }, viewer: { secret: READ_SECRET, role: 'read' } } },
      });
      return { ballast, app: await running.start(ballast, { routes: [], adminPrefix: PREFIX, bodyParser }) };
    }

    for (const bodyParser of [false, true]) {
      const label = bodyParser ? 'after a JSON body parser' : 'without a body parser';
      it(`answers an empty body with 400 and a body over 16384 bytes with 413, declared or chunked, ${label}`, async () => {
        const { ballast, app } = await start(bodyParser);
        const before = JSON.stringify(ballast.limits.views());
        const empty = await patch(app).set('content-type', 'application/json');
        expect(empty.status).toBe(400);
        expect(empty.body).toMatchObject({ error: 'invalid', field: '(body)' });
        const declared = await patch(app).set('content-type', 'application/json').send(OVERSIZED);
        expect(declared.status).toBe(413);
        expect(await chunkedPatch(app, OVERSIZED)).toBe(413);
        expect(JSON.stringify(ballast.limits.views())).toBe(before);
        expect(ballast.audit.recent()).toHaveLength(0);
        // A chunked body within the bound still applies.
        expect(await chunkedPatch(app, JSON.stringify({ maxQueue: 3 }))).toBe(200);
        expect(ballast.limits.get('search').settings.maxQueue).toBe(3);
      });
    }

    it('answers a PATCH that changes nothing with 200 and the current view, bumping neither version nor audit', async () => {
      const { ballast, app } = await start();
      for (const body of [{ maxConcurrent: 4 }, { maxQueue: 8, queueTimeoutMs: 500 }, {}]) {
        const res = await patch(app).send(body);
        expect(res.status).toBe(200);
        expect(res.headers.etag).toBe('"1"');
        expect(res.body).toMatchObject({ name: 'search', version: 1, settings: { maxConcurrent: 4, maxQueue: 8 } });
      }
      const dep = await request(app.server)
        .patch(`${PREFIX}/dependencies/profiles`)
        .set('authorization', `Bearer ${WRITE_SECRET}`)
        .send({ timeoutMs: 300, force: null });
      expect(dep.status).toBe(200);
      expect(dep.body).toMatchObject({ name: 'profiles', version: 1, settings: { timeoutMs: 300 } });
      expect(ballast.audit.recent()).toHaveLength(0);
      const audit = await request(app.server).get(`${PREFIX}/audit`).set('authorization', `Bearer ${READ_SECRET}`);
      expect(audit.body.entries).toEqual([]);
    });

    it('compares If-Match strongly: "0001" is not "1", a list matches by any member, * matches', async () => {
      const { ballast, app } = await start();
      // Each case is written against the version current when it is sent (`v`).
      const cases: [(v: number) => string, number][] = [
        [(v) => `"000${v}"`, 412],
        [(v) => `W/"${v}"`, 412],
        [(v) => `"${v + 7}", "0${v}"`, 412],
        [(v) => `"${v + 7}", "${v}"`, 200],
        [(v) => `"${v}"`, 200],
        [() => '*', 200],
      ];
      for (const [header, status] of cases) {
        const { version, settings } = ballast.limits.view('search');
        const ifMatch = header(version);
        const res = await patch(app).set('if-match', ifMatch).send({ maxQueue: settings.maxQueue + 1 });
        expect({ ifMatch, status: res.status }).toEqual({ ifMatch, status });
        expect(ballast.limits.view('search').version).toBe(status === 200 ? version + 1 : version);
      }
      const dep = await request(app.server)
        .patch(`${PREFIX}/dependencies/profiles`)
        .set('authorization', `Bearer ${WRITE_SECRET}`)
        .set('if-match', '"01"')
        .send({ timeoutMs: 400 });
      expect(dep.status).toBe(412);
      expect(ballast.dependencies.view('profiles').settings.timeoutMs).toBe(300);
    });

    it('honours If-Match on DELETE of a limit or dependency override: 412 and nothing changed when stale, reverted when it matches', async () => {
      const { ballast, app } = await start();
      const auth = { authorization: `Bearer ${WRITE_SECRET}` };
      await patch(app).send({ maxQueue: 20 }).expect(200);
      await request(app.server).patch(`${PREFIX}/dependencies/profiles`).set(auth).send({ timeoutMs: 400 }).expect(200);
      const audited = ballast.audit.recent().length;
      for (const [path, version] of [
        ['limits/search', () => ballast.limits.view('search').version],
        ['dependencies/profiles', () => ballast.dependencies.view('profiles').version],
      ] as const) {
        const v = version();
        for (const stale of [`"${v + 1}"`, `"0${v}"`, `W/"${v}"`]) {
          await request(app.server).delete(`${PREFIX}/${path}/override`).set(auth).set('if-match', stale).expect(412);
        }
        expect(version()).toBe(v);
        const reverted = await request(app.server).delete(`${PREFIX}/${path}/override`).set(auth).set('if-match', `"${v + 9}", "${v}"`).expect(200);
        expect(reverted.headers.etag).toBe(`"${version()}"`);
      }
      expect(ballast.limits.view('search').settings.maxQueue).toBe(8);
      expect(ballast.dependencies.view('profiles').settings.timeoutMs).toBe(300);
      expect(ballast.audit.recent()).toHaveLength(audited + 2);
      // `*` matches whatever the version.
      await request(app.server).delete(`${PREFIX}/limits/search/override`).set(auth).set('if-match', '*').expect(200);
    });

    it('refuses an assert threshold that is not a finite number, naming the field', async () => {
      const { ballast, app } = await start();
      for (const expression of ['p99(latency) < 1e400ms', 'p99(latency) < 1e308s']) {
        const res = await request(app.server)
          .put(`${PREFIX}/asserts/huge`)
          .set('authorization', `Bearer ${WRITE_SECRET}`)
          .send({ expression });
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ error: 'invalid', field: 'expression' });
        expect(res.body.message).toMatch(/finite/);
      }
      expect(ballast.asserts.has('huge')).toBe(false);
    });
  });
}
