import { afterEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createBallast, type Ballast, type Logger } from '@ballast/core';
import type { AdapterHarness, RunningApp } from '../harness.js';

export const WRITE_SECRET = 'write-secret-0123456789';
export const READ_SECRET = 'read-secret-0123456789';
export const PREFIX = '/_ballast';

interface BadCase {
  name: string;
  status: number;
  /** The field the 400 body must name. */
  field?: string;
  send: (app: RunningApp) => request.Test;
}

export const patch = (app: RunningApp, name = 'search', secret = WRITE_SECRET): request.Test =>
  request(app.server).patch(`${PREFIX}/limits/${name}`).set('authorization', `Bearer ${secret}`);

const json = (app: RunningApp, raw: string): request.Test =>
  patch(app).set('content-type', 'application/json').send(raw);

const badCases: BadCase[] = [
  { name: 'a negative value', status: 400, field: 'maxConcurrent', send: (a) => patch(a).send({ maxConcurrent: -1 }) },
  { name: 'a fractional value', status: 400, field: 'maxQueue', send: (a) => patch(a).send({ maxQueue: 1.5 }) },
  { name: 'a value above the bound', status: 400, field: 'maxConcurrent', send: (a) => patch(a).send({ maxConcurrent: 100_001 }) },
  { name: 'the string "NaN"', status: 400, field: 'queueTimeoutMs', send: (a) => patch(a).send({ queueTimeoutMs: 'NaN' }) },
  { name: 'the string "Infinity"', status: 400, field: 'ratePerSecond', send: (a) => patch(a).send({ ratePerSecond: 'Infinity' }) },
  { name: 'a number too large for a double', status: 400, field: 'maxQueue', send: (a) => json(a, '{"maxQueue":1e400}') },
  { name: 'a boolean', status: 400, field: 'maxConcurrent', send: (a) => patch(a).send({ maxConcurrent: true }) },
  { name: 'a numeric string', status: 400, field: 'burst', send: (a) => patch(a).send({ burst: '5' }) },
  { name: 'null for a required number', status: 400, field: 'maxConcurrent', send: (a) => patch(a).send({ maxConcurrent: null }) },
  { name: 'a zero rate', status: 400, field: 'ratePerSecond', send: (a) => patch(a).send({ ratePerSecond: 0 }) },
  { name: 'onStoreDown on a local limit', status: 400, field: 'onStoreDown', send: (a) => patch(a).send({ onStoreDown: 'open' }) },
  { name: 'an unknown field', status: 400, field: 'maxConcurent', send: (a) => patch(a).send({ maxConcurent: 5 }) },
  { name: 'a valid field beside an invalid one', status: 400, field: 'maxQueue', send: (a) => patch(a).send({ maxConcurrent: 9, maxQueue: -2 }) },
  { name: 'an array body', status: 400, send: (a) => json(a, '[{"maxConcurrent":5}]') },
  { name: 'a JSON null body', status: 400, send: (a) => json(a, 'null') },
  { name: 'an empty body', status: 400, send: (a) => patch(a).set('content-type', 'application/json') },
  { name: 'malformed JSON', status: 400, send: (a) => json(a, '{"maxConcurrent": 5') },
  { name: 'a wrong content type', status: 415, send: (a) => patch(a).set('content-type', 'text/plain').send('maxConcurrent=5') },
  { name: 'no content type', status: 415, send: (a) => patch(a).send(Buffer.from('{"maxConcurrent":5}')) },
  { name: 'an oversized body', status: 413, send: (a) => json(a, JSON.stringify({ maxConcurrent: 5, pad: 'x'.repeat(20_000) })) },
  { name: 'an unknown limit', status: 404, send: (a) => patch(a, 'nope').send({ maxConcurrent: 5 }) },
  { name: 'no token', status: 401, send: (a) => request(a.server).patch(`${PREFIX}/limits/search`).send({ maxConcurrent: 5 }) },
  { name: 'a wrong token', status: 401, send: (a) => patch(a, 'search', 'wrong-secret-0123456789').send({ maxConcurrent: 5 }) },
  { name: 'a token that is a prefix of the right one', status: 401, send: (a) => patch(a, 'search', WRITE_SECRET.slice(0, -1)).send({ maxConcurrent: 5 }) },
  { name: 'a read token writing', status: 403, send: (a) => patch(a, 'search', READ_SECRET).send({ maxConcurrent: 5 }) },
  { name: 'a stale If-Match', status: 412, send: (a) => patch(a).set('if-match', '"7"').send({ maxConcurrent: 5 }) },
  { name: 'a malformed If-Match', status: 400, send: (a) => patch(a).set('if-match', 'seven').send({ maxConcurrent: 5 }) },
  { name: 'a wrong method', status: 405, send: (a) => request(a.server).delete(`${PREFIX}/limits/search`).set('authorization', `Bearer ${WRITE_SECRET}`) },
  { name: 'an unknown route', status: 404, send: (a) => request(a.server).get(`${PREFIX}/nothing`).set('authorization', `Bearer ${READ_SECRET}`) },
];

/** The admin API: auth, shapes, validation, and state left untouched by every rejected request. */
export function adminContract(harness: AdapterHarness): void {
  describe(`${harness.name}: admin API`, () => {
    let app: RunningApp | undefined;
    let ballast: Ballast | undefined;
    let logged: string[] = [];
    afterEach(async () => {
      await app?.close();
      await ballast?.stop();
      app = undefined;
      ballast = undefined;
      logged = [];
    });

    const logger: Logger = {
      info: (obj, msg) => logged.push(JSON.stringify({ obj, msg })),
      warn: (obj, msg) => logged.push(JSON.stringify({ obj, msg })),
      error: (obj, msg) => logged.push(JSON.stringify({ obj, msg })),
    };

    async function start(bodyParser = false): Promise<{ ballast: Ballast; app: RunningApp }> {
      ballast = createBallast({
        limits: { search: { maxConcurrent: 4, maxQueue: 8, queueTimeoutMs: 500 }, api: { maxConcurrent: 64 } },
        admin: { tokens: { ops: { secret: WRITE_SECRET, role: 'write' }, viewer: { secret: READ_SECRET, role: 'read' } } },
        logger,
      });
      app = await harness.start(ballast, { routes: [], adminPrefix: PREFIX, bodyParser });
      return { ballast, app };
    }

    it('lists limits with settings, version and stats', async () => {
      const { app } = await start();
      const res = await request(app.server).get(`${PREFIX}/limits`).set('authorization', `bearer ${READ_SECRET}`);
      expect(res.status).toBe(200);
      expect(res.body.limits.search).toEqual({
        name: 'search',
        settings: { maxConcurrent: 4, maxQueue: 8, queueTimeoutMs: 500, ratePerSecond: null, burst: null },
        version: 1,
        stats: { running: 0, queued: 0, admitted: 0, shed: 0, shedByReason: { queue_full: 0, queue_timeout: 0, rate: 0, closed: 0 } },
      });
      expect(Object.keys(res.body.limits)).toEqual(['search', 'api']);
    });

    it('retunes with PATCH, bumps the version, honours a matching If-Match and records the audit entry', async () => {
      const { ballast, app } = await start();
      const got = await request(app.server).get(`${PREFIX}/limits/search`).set('authorization', `Bearer ${READ_SECRET}`);
      expect(got.headers.etag).toBe('"1"');
      const res = await patch(app).set('if-match', got.headers.etag as string).send({ maxConcurrent: 8, ratePerSecond: 20 });
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('"2"');
      expect(res.body).toMatchObject({ name: 'search', version: 2, settings: { maxConcurrent: 8, maxQueue: 8, ratePerSecond: 20 } });
      expect(ballast.limits.get('search').settings.maxConcurrent).toBe(8);
      const audit = await request(app.server).get(`${PREFIX}/audit`).set('authorization', `Bearer ${READ_SECRET}`);
      expect(audit.body.entries).toHaveLength(1);
      expect(audit.body.entries[0]).toMatchObject({
        actor: 'ops',
        action: 'limit.update',
        target: 'search',
        before: { maxConcurrent: 4, ratePerSecond: null },
        after: { maxConcurrent: 8, ratePerSecond: 20 },
      });
      expect(logged.some((l) => l.includes('limit retuned') && l.includes('"actor":"ops"'))).toBe(true);
      expect(logged.join('\n')).not.toContain(WRITE_SECRET);
    });

    it('refuses to mount the admin API when no token is configured', async () => {
      ballast = createBallast({ limits: { api: { maxConcurrent: 1 } } });
      await expect(harness.start(ballast, { routes: [], adminPrefix: PREFIX })).rejects.toThrow(/needs at least one token/);
    });

    it('answers 401 with WWW-Authenticate: Bearer when the token is missing', async () => {
      const { app } = await start();
      const res = await request(app.server).get(`${PREFIX}/limits`);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    });

    it('applies a valid PATCH when a JSON body parser already ran', async () => {
      const { ballast, app } = await start(true);
      const res = await patch(app).send({ maxQueue: 2 });
      expect(res.status).toBe(200);
      expect(ballast.limits.get('search').settings.maxQueue).toBe(2);
      const bad = await patch(app).send({ maxQueue: -2 });
      expect(bad.status).toBe(400);
      expect(bad.body.field).toBe('maxQueue');
      const big = await json(app, JSON.stringify({ maxConcurrent: 5, pad: 'x'.repeat(20_000) }));
      expect(big.status).toBe(413);
      expect(ballast.limits.get('search').settings).toMatchObject({ maxQueue: 2, maxConcurrent: 4 });
    });

    describe('rejects bad requests and leaves every setting exactly as it was', () => {
      for (const bad of badCases) {
        it(`${bad.name} → ${bad.status}`, async () => {
          const { ballast, app } = await start();
          const before = JSON.stringify(ballast.limits.views());
          const res = await bad.send(app);
          expect(res.status).toBe(bad.status);
          expect(res.headers['content-type']).toMatch(/json/);
          if (bad.field !== undefined) expect(res.body).toMatchObject({ error: 'invalid', field: bad.field });
          expect(JSON.stringify(ballast.limits.views())).toBe(before);
          expect(ballast.audit.recent()).toHaveLength(0);
        });
      }
    });
  });
}
