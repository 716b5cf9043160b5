import type { ServerResponse } from 'node:http';
import {
  DROP,
  PROCEED,
  RequestScope,
  nodeAdminRequest,
  observeNode,
  shedReply,
  unobserved,
  writeNodeReply,
  type Admission,
  type Ballast,
} from '@ballast/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { routeTemplate } from './routeTemplate.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Ballast's per-request helpers; present after `observe()` or `limit()`. */
      readonly ballast: RequestScope;
    }
  }
}

const SCOPE = Symbol('ballast.scope');
type ScopedRequest = Request & { [SCOPE]?: RequestScope };

/** The instance each app's request prototype serves (the getter is shared, the instance is per app). */
const instances = new WeakMap<object, Ballast>();
const ballastOf = (req: Request): Ballast => instances.get(Object.getPrototypeOf(req) as object) as Ballast;

/** Defines `req.ballast` once, as a lazy getter on the app's request prototype (no per-request cost). */
function installScope(req: Request, ballast: Ballast): object {
  const proto = Object.getPrototypeOf(req) as object;
  instances.set(proto, ballast);
  if (Object.prototype.hasOwnProperty.call(proto, 'ballast')) return proto;
  Object.defineProperty(proto, 'ballast', {
    configurable: true,
    get(this: ScopedRequest) {
      return (this[SCOPE] ??= new RequestScope(ballastOf(this), this.res as ServerResponse));
    },
  });
  return proto;
}

function settle(admission: Admission, res: Response, next: NextFunction): void {
  if (admission === PROCEED) next();
  else if (admission !== DROP) writeNodeReply(res, shedReply(admission));
}

/** The Express 5 adapter: middleware factories bound to one Ballast instance. */
export interface BallastExpress {
  /** Latency per route template, status classes, in-flight requests and connections (for asserts, health, metrics); sets up `req.ballast`. */
  observe(): RequestHandler;
  /** Admission through the named limits, in order; sheds with 503 + Retry-After. */
  limit(...names: string[]): RequestHandler;
  /** The admin API, for `app.use('/_ballast', b.admin())`. Throws when no admin token is configured. */
  admin(): RequestHandler;
}

/**
 * @example
 * const b = ballastExpress(ballast);
 * app.get('/search', b.limit('search'), handler);
 * app.use('/_ballast', b.admin());
 */
export function ballastExpress(ballast: Ballast): BallastExpress {
  let scopedProto: object | undefined;
  return {
    observe() {
      const observer = ballast.observer;
      observer.start();
      return function ballastObserve(req, res, next) {
        if (Object.getPrototypeOf(req) !== scopedProto) scopedProto = installScope(req, ballast);
        observeNode(observer, req.socket, res, () => routeTemplate(req));
        next();
      };
    },
    limit(...names) {
      const gate = ballast.limits.gate(names);
      return function ballastLimit(req, res, next) {
        if (Object.getPrototypeOf(req) !== scopedProto) scopedProto = installScope(req, ballast);
        const admission = gate.enter(res);
        if (admission === PROCEED) return next();
        if (admission instanceof Promise) admission.then((a) => settle(a, res, next), next);
        else settle(admission, res, next);
      };
    },
    admin() {
      ballast.admin.assertEnabled();
      return function ballastAdmin(req, res, next) {
        unobserved(res);
        ballast.admin
          .handle(nodeAdminRequest(req, req.path, (req as { body?: unknown }).body))
          .then((reply) => writeNodeReply(res, reply), next);
      };
    },
  };
}
