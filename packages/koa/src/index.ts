import type { Ballast, Reply } from '@ballast/core';
import { isShed, nodeAdminRequest, observeNode, requestErrorReply, shedReply, tagMiddleware, unobserved, whenDone, type Release } from '@ballast/core/adapter';
import type { Context, Middleware, Next } from 'koa';
import { defineStateScope } from './scope.js';

export type { BallastState } from './scope.js';

function writeReply(ctx: Context, reply: Reply): void {
  ctx.status = reply.status;
  for (const [name, value] of Object.entries(reply.headers)) ctx.set(name, value);
  ctx.body = reply.body ?? null;
}

/** The client left: answer nothing. */
function gone(ctx: Context): Promise<void> {
  ctx.respond = false;
  return Promise.resolve();
}

/**
 * Runs the rest of the chain holding the slots; they are released when it fails or
 * the exchange is over. The release itself watches the chain (it ignores the error
 * it is called with, and the error still reaches Koa through the chain's own
 * promise): no closure per request.
 */
function proceed(next: Next, release: Release): Promise<void> {
  const chain = next();
  void chain.then(undefined, release);
  return chain;
}

/** The route template @koa/router matched, known only once routing ran (a string but for a RegExp route: no `String()` call then). */
const routeOf = (ctx: Context): string | undefined => {
  const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  return typeof matched === 'string' || matched === undefined ? matched : String(matched);
};

/** The Koa 3 adapter: middleware factories bound to one Ballast instance. */
export interface BallastKoa {
  /** Latency per route template, status classes, in-flight requests and connections (for asserts, health, metrics). */
  observe(): Middleware;
  /** Admission through the named limits, in order; sheds with 503 + Retry-After. */
  limit(...names: string[]): Middleware;
  /** The admin API under `prefix` (default `/_ballast`). Throws when no admin token is configured. */
  admin(options?: { prefix?: string }): Middleware;
  /** First: Ballast's errors (`OutboxFullError`, ...) thrown further down answer JSON with their status (503 + `Retry-After`, ...); others propagate. */
  errors(): Middleware;
}

/**
 * @example
 * const k = ballastKoa(ballast);
 * router.get('/search', k.limit('search'), handler);
 * app.use(k.admin({ prefix: '/_ballast' }));
 */
export function ballastKoa(ballast: Ballast): BallastKoa {
  // `ctx.state.ballast` works in every handler of an app that mounts any of these (see scope.ts).
  defineStateScope();
  const mounted = (middleware: Middleware): Middleware => tagMiddleware(middleware, ballast);
  return {
    observe() {
      const observer = ballast.observer;
      observer.start();
      return mounted(function ballastObserve(ctx, next) {
        return observeNode(observer, ctx.req, ctx.res, routeOf, ctx) ? next() : gone(ctx);
      });
    },
    limit(...names) {
      const gate = ballast.limits.gate(names);
      return mounted(function ballastLimit(ctx, next) {
        const admission = gate.admit();
        if (typeof admission === 'function') return whenDone(ctx.req, ctx.res, admission) ? proceed(next, admission) : gone(ctx);
        if (isShed(admission)) return Promise.resolve(writeReply(ctx, shedReply(admission)));
        // Released when the exchange is over, which takes it out of the queue when the client leaves first.
        if (!whenDone(ctx.req, ctx.res, admission.release)) return gone(ctx);
        return admission.admitted.then((admitted) => {
          if (admitted === true) return proceed(next, admission.release);
          if (admitted === false) return gone(ctx);
          return writeReply(ctx, shedReply(admitted));
        });
      });
    },
    admin(options = {}) {
      ballast.admin.assertEnabled();
      const prefix = (options.prefix ?? '/_ballast').replace(/\/+$/, '');
      return mounted(async function ballastAdmin(ctx, next) {
        const path = ctx.path;
        if (path !== prefix && !path.startsWith(`${prefix}/`)) return next();
        unobserved(ctx.res);
        const { body, rawBody } = ctx.request as { body?: unknown; rawBody?: unknown };
        const reply = await ballast.admin.handle(nodeAdminRequest(ctx.req, path.slice(prefix.length) || '/', body, rawBody));
        writeReply(ctx, reply);
      });
    },
    errors() {
      return mounted(async function ballastErrors(ctx, next) {
        try {
          await next();
        } catch (error) {
          const reply = requestErrorReply(error);
          if (reply === undefined) throw error;
          writeReply(ctx, reply);
        }
      });
    },
  };
}
