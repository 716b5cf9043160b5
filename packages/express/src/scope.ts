import express, { type Request } from 'express';
import { MissingScopeError, type Ballast, type RequestScope } from '@ballast/core';
import { ScopeOwners, requestScope, taggedInstance } from '@ballast/core/adapter';

interface Layer {
  handle?: unknown;
  route?: { stack?: Layer[] };
}

/** The first Ballast middleware in a router stack: mounted directly, on a route, or in a nested router. */
function findIn(stack: readonly Layer[] | undefined, depth = 0): Ballast | undefined {
  if (stack === undefined || depth > 8) return undefined;
  for (const layer of stack) {
    const found =
      taggedInstance(layer.handle) ??
      findIn(layer.route?.stack, depth + 1) ??
      findIn((layer.handle as { stack?: Layer[] } | undefined)?.stack, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The instance that serves each app, found by the app's request prototype: Express makes
 * `app.request` (which holds `app`) the prototype of each request its app handles, a
 * sub-app's while the sub-app handles it. So the prototype names the app, and getting
 * it is no property read of the request (see `defineRequestScope`).
 */
export const owners = new ScopeOwners<object>((prototype) => {
  const app = (prototype as { app?: { router?: { stack?: Layer[] } } }).app;
  return app === undefined ? undefined : findIn(app.router?.stack);
});

/** The instance that serves `req`'s app (see `owners`). */
function ownerOf(req: Request): Ballast {
  const ballast = owners.of(Object.getPrototypeOf(req) as object);
  if (ballast === undefined) throw new MissingScopeError('req.ballast', 'app.use(b.observe()) (or b.limit(...)) to this app, with b = ballastExpress(ballast)');
  return ballast;
}

let defined = false;

/**
 * Defines `req.ballast` once, as a lazy getter on Express's shared request prototype:
 * requests that never read it pay nothing; the first read builds the scope for the
 * instance mounted on the request's app (its response read only if a degraded read
 * needs it, or to find the exchange after a wait), which core keeps (`requestScope`). Not a property of the request or of
 * `res.locals`: Express swaps the prototype of each request and response, which leaves
 * each with a hidden class of its own, so every read of one of their properties misses
 * V8's caches (about 2,000 instructions) and every property added builds a new hidden
 * class (`observe()` and `limit()` give requests one shared class, shape.ts, but
 * `req.ballast` is read in apps and on paths without them too).
 */
export function defineRequestScope(): void {
  if (defined) return;
  defined = true;
  Object.defineProperty(express.request, 'ballast', {
    configurable: true,
    get(this: Request): RequestScope {
      // No `this.res`: a read of the request, a dictionary (shape.ts), through V8's generic load stub; core reads it only after a wait.
      return requestScope(this, undefined, ownerOf);
    },
  });
}
