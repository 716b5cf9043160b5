import { RequestScope, type Ballast, type Reply } from '@ballast/core';
import { isShed, nodeAdminRequest, observeNode, shedReply, unobserved, whenDone, type Release } from '@ballast/core/adapter';
import type { Context, Middleware, Next } from 'koa';

/** The state Ballast adds to `ctx.state`. */
export interface BallastState {
  /** Ballast's per-request helpers; present after `observe()` or `limit()`. */
  ballast: RequestScope;
}

function writeReply(ctx: Context, reply: Reply): void {
  ctx.status = reply.status;
  for (const [name, value] of Object.entries(reply.headers)) ctx.set(name, value);
  ctx.body = reply.body ?? null;
}

/** Runs the rest of the chain holding the slots; an error in it releases them at once. */
async function proceed(next: Next, release: Release): Promise<void> {
  try {
    await next();
  } finally {
    release();
  }
}

/** One small object per request; `RequestScope` defers all other work until a handler uses it. */
function installScope(ctx: Context, ballast: Ballast): void {
  const state = ctx.state as Partial<BallastState>;
  state.ballast ??= new RequestScope(ballast, ctx.res);
}

/** The route template @koa/router matched, known only once routing ran. */
const routeOf = (ctx: Context): string | undefined => {
  const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  return matched === undefined ? undefined : String(matched);
};

/** The Koa 3 adapter: middleware factories bound to one Ballast instance. */
export interface BallastKoa {
  /** Latency per route template, status classes, in-flight requests and connections (for asserts, health, metrics); sets up `ctx.state.ballast`. */
  observe(): Middleware;
  /** Admission through the named limits, in order; sheds with 503 + Retry-After. */
  limit(...names: string[]): Middleware;
  /** The admin API under `prefix` (default `/_ballast`). Throws when no admin token is configured. */
  admin(options?: { prefix?: string }): Middleware;
}

/**
 * @example
 * const k = ballastKoa(ballast);
 * router.get('/search', k.limit('search'), handler);
 * app.use(k.admin({ prefix: '/_ballast' }));
 */
export function ballastKoa(ballast: Ballast): BallastKoa {
  return {
    observe() {
      const observer = ballast.observer;
      observer.start();
      return function ballastObserve(ctx, next) {
        installScope(ctx, ballast);
        if (observeNode(observer, ctx.req, ctx.res, () => routeOf(ctx))) return next();
        ctx.respond = false;
        return Promise.resolve();
      };
    },
    limit(...names) {
      const gate = ballast.limits.gate(names);
      return async function ballastLimit(ctx, next) {
        installScope(ctx, ballast);
        const admission = gate.admit();
        if (isShed(admission)) return writeReply(ctx, shedReply(admission));
        const release = typeof admission === 'function' ? admission : admission.release;
        // Released on the first end event, which takes it out of the queue when the client leaves first.
        let admitted = whenDone(ctx.req, ctx.res, release);
        if (admitted && typeof admission !== 'function') {
          const outcome = await admission.admitted;
          if (isShed(outcome)) return writeReply(ctx, shedReply(outcome));
          admitted = outcome;
        }
        if (admitted) return proceed(next, release);
        ctx.respond = false;
      };
    },
    admin(options = {}) {
      ballast.admin.assertEnabled();
      const prefix = (options.prefix ?? '/_ballast').replace(/\/+$/, '');
      return async function ballastAdmin(ctx, next) {
        const path = ctx.path;
        if (path !== prefix && !path.startsWith(`${prefix}/`)) return next();
        unobserved(ctx.res);
        const { body, rawBody } = ctx.request as { body?: unknown; rawBody?: unknown };
        const reply = await ballast.admin.handle(nodeAdminRequest(ctx.req, path.slice(prefix.length) || '/', body, rawBody));
        writeReply(ctx, reply);
      };
    },
  };
}
