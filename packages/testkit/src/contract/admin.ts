import { afterEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createBallast, type Ballast } from '@ballast/core';
import type { AdapterHarness, RunningApp } from '../harness.js';

export const WRITE_SECRET = 'write-secret-0123456789';
export const READ_SECRET = 'read-secret-0123456789';

/** The admin API: auth, shapes, validation, and state left untouched by every rejected request. */
export function adminContract(harness: AdapterHarness): void {
  describe(`${harness.name}: admin API`, () => {
    let app: RunningApp | undefined;
    let ballast: Ballast | undefined;
    afterEach(async () => {
      await app?.close();
      await ballast?.stop();
      app = undefined;
      ballast = undefined;
    });

    it('retunes a limit with PATCH and returns the new view with a strong ETag', async () => {
      ballast = createBallast({
        limits: { search: { maxConcurrent: 4 } },
        admin: { tokens: { ops: { secret: WRITE_SECRET, role: 'write' } } },
      });
      app = await harness.start(ballast, { routes: [], adminPrefix: '/_ballast' });
      const res = await request(app.server)
        .patch('/_ballast/limits/search')
        .set('authorization', `Bearer ${WRITE_SECRET}`)
        .send({ maxConcurrent: 8 });
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('"2"');
      expect(res.body).toMatchObject({ name: 'search', version: 2, settings: { maxConcurrent: 8 } });
      expect(ballast.limits.get('search').settings.maxConcurrent).toBe(8);
    });
  });
}
