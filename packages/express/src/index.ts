import type { Ballast, RequestScope, Shed } from '@ballast/core';
import {
  isShed,
  nodeAdminRequest,
  observeNode,
  requestErrorReply,
  shedReply,
  tagMiddleware,
  unobserved,
  whenDone,
  writeNodeReply,
} from '@ballast/core/adapter';
import type { ErrorRequestHandler, NextFunction, RequestHandler, Response } from 'express';
import { routeTemplate } from './routeTemplate.js';
import { defineRequestScope } from './scope.js';
import { shareShape } from './shape.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * Ballast's per-request helpers (`read`, `desync`, ...). Present in every handler of
       * an app that mounts a Ballast middleware anywhere; on an app that does not, reading
       * it throws `MissingScopeError` saying what to add.
       */
      readonly ballast: RequestScope;
    }
  }
}

/** After a wait: go on, answer the shed, or nothing (the client left). */
function settle(admitted: boolean | Shed, res: Response, next: NextFunction): void {
  if (admitted === true) next();
  else if (admitted !== false) writeNodeReply(res, shedReply(admitted));
}

/** The Express 5 adapter: middleware factories bound to one Ballast instance. */
export interface BallastExpress {
  /** Latency per route template, status classes, in-flight requests and connections (for asserts, health, metrics). */
  observe(): RequestHandler;
  /** Admission through the named limits, in order; sheds with 503 + Retry-After. */
  limit(...names: string[]): RequestHandler;
  /** The admin API, for `app.use('/_ballast', b.admin())`. Throws when no admin token is configured. */
  admin(): RequestHandler;
  /** Last: Ballast's errors (`OutboxFullError`, ...) as JSON with their status (503 + `Retry-After`, ...); others go on to Express. */
  errors(): ErrorRequestHandler;
}

/**
 * @example
 * const b = ballastExpress(ballast);
 * app.get('/search', b.limit('search'), handler);
 * app.use('/_ballast', b.admin());
 */
export function ballastExpress(ballast: Ballast): BallastExpress {
  // `req.ballast` works in every handler of an app that mounts any of these (see scope.ts).
  defineRequestScope();
  const mounted = <F extends object>(middleware: F): F => tagMiddleware(middleware, ballast);
  return {
    observe() {
      const observer = ballast.observer;
      observer.start();
      return mounted<RequestHandler>(function ballastObserve(req, res, next) {
        shareShape(req);
        shareShape(res);
        if (observeNode(observer, req, res, routeTemplate, req)) next();
      });
    },
    limit(...names) {
      const gate = ballast.limits.gate(names);
      return mounted<RequestHandler>(function ballastLimit(req, res, next) {
        shareShape(req);
        shareShape(res);
        const admission = gate.admit();
        if (typeof admission === 'function') return whenDone(req, res, admission) ? next() : undefined;
        if (isShed(admission)) return writeNodeReply(res, shedReply(admission));
        // Released on the first end event, which takes it out of the queue when the client leaves first.
        whenDone(req, res, admission.release);
        admission.admitted.then((admitted) => settle(admitted, res, next), next);
      });
    },
    admin() {
      ballast.admin.assertEnabled();
      return mounted<RequestHandler>(function ballastAdmin(req, res, next) {
        unobserved(res);
        ballast.admin
          .handle(nodeAdminRequest(req, req.path, (req as { body?: unknown }).body))
          .then((reply) => writeNodeReply(res, reply), next);
      });
    },
    errors() {
      return mounted<ErrorRequestHandler>(function ballastErrors(error, _req, res, next) {
        const reply = requestErrorReply(error);
        if (reply === undefined || res.headersSent) return next(error);
        writeNodeReply(res, reply);
      });
    },
  };
}
