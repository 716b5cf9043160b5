import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { ballastKoa, type BallastState } from '@ballast/koa';
import type { AdapterHarness } from './harness.js';
import { closeServer, requestSignal } from './server.js';

/** Runs the contract suite's apps on Koa 3 with @koa/router. */
export const koaHarness: AdapterHarness = {
  name: 'koa',
  async start(ballast, spec) {
    const app = new Koa<BallastState>();
    const k = ballastKoa(ballast) as ReturnType<typeof ballastKoa> & { observe?: () => Koa.Middleware };
    if (spec.errors === true) app.use(k.errors());
    if (spec.observe === true && k.observe !== undefined) app.use(k.observe());
    if (spec.bodyParser === true) app.use(bodyParser());
    if (spec.adminPrefix !== undefined) app.use(k.admin({ prefix: spec.adminPrefix }));
    if (spec.globalLimits !== undefined && spec.globalLimits.length > 0) app.use(k.limit(...spec.globalLimits));
    const router = new Router<BallastState>();
    const parse = bodyParser();
    const mounted = new Map<string, Router<BallastState>>();
    for (const route of spec.routes) {
      const limits = route.limits !== undefined && route.limits.length > 0 ? [k.limit(...route.limits)] : [];
      let target = router;
      if (route.mount !== undefined) {
        const mount = route.mount;
        target = mounted.get(mount) ?? mounted.set(mount, new Router<BallastState>()).get(mount)!;
      }
      target[route.method](route.path, ...limits, parse, async (ctx) => {
        const out = await route.handler({
          params: ctx.params as Record<string, string>,
          query: ctx.query as Record<string, string>,
          body: (ctx.request as { body?: unknown }).body,
          get scope() {
            return ctx.state.ballast;
          },
          signal: requestSignal(ctx.res),
        });
        ctx.status = out.status ?? 200;
        for (const [name, value] of Object.entries(out.headers ?? {})) ctx.set(name, value);
        ctx.body = JSON.stringify(out.body ?? null);
        ctx.type = 'application/json';
      });
    }
    for (const [mount, sub] of mounted) router.use(mount, sub.routes());
    app.use(router.routes()).use(router.allowedMethods());
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, server, close: () => closeServer(server) };
  },
};
