// A Koa 3 service protected by Ballast: limits on its code paths, a degraded
// read from a profile service, writes to billing through the outbox, an
// assert, a feature flag rolled out ring by ring, and the admin API under /_ballast.
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { ballastKoa } from '@ballast/koa';
import { fetchProfile } from '../../shared/downstreams.mjs';
import { createExampleBallast, newCheckout } from '../../shared/config.mjs';

export function createApp({ adminToken, profilesUrl, billingUrl }) {
  const ballast = createExampleBallast({ adminToken, billingUrl });
  const k = ballastKoa(ballast);
  const app = new Koa();
  const router = new Router();

  // A slow code path: each search holds its slot for 250 ms.
  router.get('/search', k.limit('search'), async (ctx) => {
    await new Promise((resolve) => setTimeout(resolve, 250));
    ctx.body = { q: ctx.query.q ?? '', results: ['a', 'b', 'c'] };
  });

  // A read that degrades: last good value first, else a guest profile.
  router.get('/profile/:id', async (ctx) => {
    const { id } = ctx.params;
    ctx.body = await ctx.state.ballast.read('profiles', (signal) => fetchProfile(profilesUrl, id, signal), {
      fallback: () => ({ id, name: 'guest' }),
      cacheKey: `profile:${id}`,
    });
  });

  // A feature behind a flag: the new checkout (slow, as it turns out) or the old one.
  router.get('/checkout', async (ctx) => {
    ctx.body = ctx.state.ballast.flag('newCheckout') ? await newCheckout() : { checkout: 'classic' };
  });

  // A write that must not be lost: buffered in the outbox, delivered by the worker.
  router.post('/orders', bodyParser(), async (ctx) => {
    const body = ctx.request.body ?? {};
    const result = await ctx.state.ballast.desync('billing', { order: body }, { key: String(body.accountId ?? 'anon') });
    ctx.status = result.status === 'delivered' ? 200 : 202;
    ctx.body = result;
  });

  // First: Ballast's errors thrown further down answer JSON like a shed.
  app.use(k.errors());
  app.use(k.observe());
  app.use(k.admin({ prefix: '/_ballast' }));
  app.use(k.limit('api'));
  app.use(router.routes()).use(router.allowedMethods());
  return { app, ballast };
}
