import { describe, expect, it } from 'vitest';
import request from 'supertest';
import express from 'express';
import { createBallast } from '@ballast/core';
import { ballastExpress } from '@ballast/express';
import { servedApps, until } from '@ballast/testkit';

/** Express keeps only the matched value of a mount path; the adapter labels routes by the mount's template. */
describe('express: route labels under mounted routers and sub-apps', () => {
  const serve = servedApps();

  it('labels nested routers, a sub-app and a router mounted twice by their templates; a RegExp mount by its value', async () => {
    const b = createBallast({});
    const app = express();
    app.use(ballastExpress(b).observe());
    const ok: express.RequestHandler = (_req, res) => void res.json({ ok: true });

    const inner = express.Router({ mergeParams: true });
    inner.get('/x/:id', ok);
    const tenant = express.Router({ mergeParams: true });
    tenant.get('/search', ok);
    tenant.use('/deep/:d', inner);
    app.use('/t/:tenant', tenant);

    const shared = express.Router();
    shared.get('/ping', ok);
    app.use('/a/:one', shared);
    app.use('/b/:two/c', shared);

    const sub = express();
    sub.get('/orders/:id', ok);
    app.use('/shop/:shop', sub);

    const odd = express.Router();
    odd.get('/y', ok);
    app.use(/^\/re\d+/, odd);

    const server = await serve(b, app);
    const paths = ['/t/acme/search', '/t/acme/deep/4/x/5', '/a/1/ping', '/b/2/c/ping', '/shop/s1/orders/9', '/re42/y'];
    for (const path of paths) await request(server).get(path).expect(200);
    await until(() => b.observer.inFlight === 0);
    expect(b.observer.series().map((s) => s.route).sort()).toEqual(
      ['/t/:tenant/search', '/t/:tenant/deep/:d/x/:id', '/a/:one/ping', '/b/:two/c/ping', '/shop/:shop/orders/:id', '/re42/y'].sort(),
    );
  });
});
