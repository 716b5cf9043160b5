import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ballastExpress } from '@ballast/express';
import type { AdapterHarness } from './harness.js';
import { closeServer, requestSignal } from './server.js';

/** Runs the contract suite's apps on Express 5. */
export const expressHarness: AdapterHarness = {
  name: 'express',
  async start(ballast, spec) {
    const app = express();
    const b = ballastExpress(ballast) as ReturnType<typeof ballastExpress> & { observe?: () => express.RequestHandler };
    if (spec.observe === true && b.observe !== undefined) app.use(b.observe());
    if (spec.bodyParser === true) app.use(express.json());
    if (spec.adminPrefix !== undefined) app.use(spec.adminPrefix, b.admin());
    if (spec.globalLimits !== undefined && spec.globalLimits.length > 0) app.use(b.limit(...spec.globalLimits));
    const mounted = new Map<string, express.Router>();
    for (const route of spec.routes) {
      const limits = route.limits !== undefined && route.limits.length > 0 ? [b.limit(...route.limits)] : [];
      let target: express.Router = app;
      if (route.mount !== undefined) {
        const mount = route.mount;
        target = mounted.get(mount) ?? mounted.set(mount, express.Router({ mergeParams: true })).get(mount)!;
      }
      target[route.method](route.path, ...limits, express.json(), async (req, res, next) => {
        try {
          const out = await route.handler({
            params: req.params as Record<string, string>,
            query: req.query as Record<string, string>,
            body: req.body as unknown,
            get scope() {
              return req.ballast;
            },
            signal: requestSignal(res),
          });
          res.status(out.status ?? 200).set(out.headers ?? {}).json(out.body ?? null);
        } catch (error) {
          next(error);
        }
      });
    }
    for (const [mount, router] of mounted) app.use(mount, router);
    if (spec.errors === true) app.use(b.errors());
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, server, close: () => closeServer(server) };
  },
};
