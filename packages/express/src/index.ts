import type { ServerResponse } from 'node:http';
import { RequestScope, type Ballast, type Shed } from '@ballast/core';
import { isShed, nodeAdminRequest, observeNode, shedReply, unobserved, whenDone, writeNodeReply } from '@ballast/core/adapter';
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

/** After a wait: go on, answer the shed, or nothing (the client left). */
function settle(admitted: boolean | Shed, res: Response, next: NextFunction): void {
  if (admitted === true) next();
  else if (admitted !== false) writeNodeReply(res, shedReply(admitted));
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
        if (observeNode(observer, req, res, () => routeTemplate(req))) next();
      };
    },
    limit(...names) {
      const gate = ballast.limits.gate(names);
      return function ballastLimit(req, res, next) {
        if (Object.getPrototypeOf(req) !== scopedProto) scopedProto = installScope(req, ballast);
        const admission = gate.admit();
        if (typeof admission === 'function') return whenDone(req, res, admission) ? next() : undefined;
        if (isShed(admission)) return writeNodeReply(res, shedReply(admission));
        // Released on the first end event, which takes it out of the queue when the client leaves first.
        whenDone(req, res, admission.release);
        admission.admitted.then((admitted) => settle(admitted, res, next), next);
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
