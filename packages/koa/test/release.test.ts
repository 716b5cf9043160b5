import { describe, expect, it } from 'vitest';
import request from 'supertest';
import Koa from 'koa';
import Router from '@koa/router';
import { createBallast } from '@ballast/core';
import { ballastKoa } from '@ballast/koa';

/** The limit's slots are given back when the chain below it fails, before any answer is written. */
describe('koa: release on an error in the chain', () => {
  it('frees the slot as soon as a handler throws, before an outer middleware handles the error, and the error still reaches it', async () => {
    const b = createBallast({ limits: { api: { maxConcurrent: 1 } } });
    try {
      const app = new Koa();
      const seen: { running: number; message: string }[] = [];
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch (error) {
          seen.push({ running: b.limits.get('api').running, message: (error as Error).message });
          ctx.status = 500;
          ctx.body = { failed: true };
        }
      });
      const router = new Router();
      router.get('/boom', ballastKoa(b).limit('api'), () => {
        throw new Error('boom');
      });
      router.get('/async-boom', ballastKoa(b).limit('api'), async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        throw new Error('later');
      });
      app.use(router.routes());
      const server = app.callback();
      expect((await request(server).get('/boom')).status).toBe(500);
      expect((await request(server).get('/async-boom')).status).toBe(500);
      expect(seen).toEqual([
        { running: 0, message: 'boom' },
        { running: 0, message: 'later' },
      ]);
    } finally {
      await b.stop();
    }
  });
});
