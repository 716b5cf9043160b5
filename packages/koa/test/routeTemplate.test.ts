import { describe, expect, it } from 'vitest';
import request from 'supertest';
import Koa from 'koa';
import Router from '@koa/router';
import { createBallast } from '@ballast/core';
import { ballastKoa } from '@ballast/koa';
import { servedApps, until } from '@ballast/testkit';

/** @koa/router keeps the template of nested and prefixed routers; the adapter labels routes by it. */
describe('koa: route labels under nested and prefixed routers', () => {
  const serve = servedApps();

  it('labels nested routers, a prefixed router and one used under two mounts by their templates', async () => {
    const b = createBallast({});
    const app = new Koa();
    app.use(ballastKoa(b).observe());
    const ok = (ctx: Koa.Context): void => void (ctx.body = { ok: true });

    const inner = new Router();
    inner.get('/x/:id', ok);
    const tenant = new Router();
    tenant.get('/search', ok);
    tenant.use('/deep/:d', inner.routes());
    const root = new Router();
    root.use('/t/:tenant', tenant.routes());

    const shared = new Router();
    shared.get('/ping', ok);
    root.use(['/a/:one', '/b/:two/c'], shared.routes());

    const shop = new Router({ prefix: '/shop/:shop' });
    shop.get('/orders/:id', ok);

    app.use(root.routes()).use(shop.routes());
    const server = await serve(b, app);
    const paths = ['/t/acme/search', '/t/acme/deep/4/x/5', '/a/1/ping', '/b/2/c/ping', '/shop/s1/orders/9'];
    for (const path of paths) await request(server).get(path).expect(200);
    await until(() => b.observer.inFlight === 0);
    expect(b.observer.series().map((s) => s.route).sort()).toEqual(
      ['/t/:tenant/search', '/t/:tenant/deep/:d/x/:id', '/a/:one/ping', '/b/:two/c/ping', '/shop/:shop/orders/:id'].sort(),
    );
  });
});
