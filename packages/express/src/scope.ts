import type { ServerResponse } from 'node:http';
import express, { type Request } from 'express';
import { MissingScopeError, RequestScope, type Ballast } from '@ballast/core';
import { ScopeOwners, exchangeSlot, onResponseFinish, taggedInstance } from '@ballast/core/adapter';

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
 * it is no property read of the request (see `scopes`).
 */
export const owners = new ScopeOwners<object>((prototype) => {
  const app = (prototype as { app?: { router?: { stack?: Layer[] } } }).app;
  return app === undefined ? undefined : findIn(app.router?.stack);
});

/**
 * The scope of each request that `observe()` does not watch (see `defineRequestScope`), by request. Not a property of the request or of `res.locals`:
 * Express swaps the prototype of each request and response, which leaves each with a
 * hidden class of its own, so every read of one of their properties misses V8's caches
 * (about 2,000 instructions) and every property added builds a new hidden class. Reaching
 * `res.locals` took three such reads (`req.res`, `res.locals`, then `req.app` for the
 * instance); a WeakMap finds the request by identity, with none. `observe()` and `limit()` give
 * requests one shared class (shape.ts), but `req.ballast` is read in apps and on paths without them too.
 *
 * An entry is deleted once its response finished (`onResponseFinish`). V8's young-generation GC
 * treats a WeakMap's values as strong (only a full GC honours the weak keys), and a scope
 * holds its request: left in the map, every finished request survived its scavenges with
 * all it references and was promoted to the old generation. That cost a request with one
 * `flag()` about 8 µs of scavenging (bench/flags/gc.mjs: 27–28 against 19–20 ms per
 * 1,000 requests). Only requests still in flight stay in the map now; one whose client
 * left before its response finished stays until a full GC.
 */
const scopes = new WeakMap<Request, RequestScope>();

/** Registered once the first scope exists. */
let forgetting = false;
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
 * needs it). It is kept with the response's exchange while `observe()` watches it
 * (`exchangeSlot`), else by request in `scopes`; a scope made before the exchange
 * existed (read in a middleware mounted before `observe()`) stays the request's.
 * Read once its response is over, `req.ballast` is a new scope.
 */
export function defineRequestScope(): void {
  if (defined) return;
  defined = true;
  Object.defineProperty(express.request, 'ballast', {
    configurable: true,
    get(this: Request): RequestScope {
      // A request that was never a WeakMap key has no identity hash: this lookup ends there.
      let scope = scopes.get(this);
      if (scope !== undefined) return scope;
      const res = this.res as ServerResponse | undefined;
      const slot = res === undefined ? undefined : exchangeSlot(res);
      if (slot !== undefined) return (slot.scope as RequestScope | null) ?? (slot.scope = new RequestScope(ownerOf(this), this, undefined));
      scope = new RequestScope(ownerOf(this), this, undefined);
      scopes.set(this, scope);
      if (!forgetting) {
        forgetting = true;
        onResponseFinish((request) => scopes.delete(request as Request));
      }
      return scope;
    },
  });
}
