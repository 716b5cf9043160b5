// A Koa 3 service protected by Ballast: a global `api` limit, a tighter
// `search` limit, and the admin API under /_ballast.
import Koa from 'koa';
import Router from '@koa/router';
import { createBallast } from '@ballast/core';
import { ballastKoa } from '@ballast/koa';

export function createApp({ adminToken }) {
  const ballast = createBallast({
    limits: {
      api: { maxConcurrent: 64, maxQueue: 128, queueTimeoutMs: 2000 },
      search: { maxConcurrent: 2, maxQueue: 3, queueTimeoutMs: 500 },
    },
    admin: { tokens: { ops: { secret: adminToken, role: 'write' } } },
  });
  const k = ballastKoa(ballast);
  const app = new Koa();
  const router = new Router();

  // A slow code path: each search holds its slot for 100 ms.
  router.get('/search', k.limit('search'), async (ctx) => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    ctx.body = { q: ctx.query.q ?? '', results: ['a', 'b', 'c'] };
  });
  router.get('/', (ctx) => {
    ctx.body = { service: 'koa-basic', try: ['/search?q=x', '/_ballast/limits'] };
  });

  app.use(k.admin({ prefix: '/_ballast' }));
  app.use(k.limit('api'));
  app.use(router.routes()).use(router.allowedMethods());
  return { app, ballast };
}
