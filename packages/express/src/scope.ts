import express, { type Application, type Request } from 'express';
import { MissingScopeError, RequestScope, type Ballast } from '@ballast/core';
import { ScopeOwners, taggedInstance } from '@ballast/core/adapter';

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

export const owners = new ScopeOwners<Application>((app) => findIn((app as { router?: { stack?: Layer[] } }).router?.stack));

/**
 * The scope of each request, by request. Not a property of the request or of `res.locals`:
 * Express swaps the prototype of each request and response, which leaves each with a
 * hidden class of its own, so every read of one of their properties misses V8's caches
 * (about 2,000 instructions) and every property added builds a new hidden class. Reaching
 * `res.locals` took three such reads (`req.res`, `res.locals`, then `req.app` for the
 * instance); a WeakMap finds the request by identity, with none.
 */
const scopes = new WeakMap<Request, RequestScope>();
/** The prototype of the last request that found its instance, and that instance. */
let lastPrototype: object | null = null;
let lastOwner: Ballast | undefined;

/**
 * The instance that serves `req`'s app. Express makes `app.request` (which holds
 * `app`) the prototype of each request its app handles, a sub-app's while the sub-app
 * handles it: the prototype names the app, and reading it is no property read.
 */
function ownerOf(req: Request): Ballast {
  const prototype = Object.getPrototypeOf(req) as object | null;
  if (prototype === lastPrototype && lastOwner !== undefined) return lastOwner;
  const app = req.app as Application | undefined;
  const ballast = app === undefined ? undefined : owners.of(app);
  if (ballast === undefined) throw new MissingScopeError('req.ballast', 'app.use(b.observe()) (or b.limit(...)) to this app, with b = ballastExpress(ballast)');
  lastPrototype = prototype;
  lastOwner = ballast;
  return ballast;
}

let defined = false;

/**
 * Defines `req.ballast` once, as a lazy getter on Express's shared request prototype:
 * requests that never read it pay nothing; the first read builds the scope for the
 * instance mounted on the request's app (its response read only if a degraded read
 * needs it), kept by request.
 */
export function defineRequestScope(): void {
  if (defined) return;
  defined = true;
  Object.defineProperty(express.request, 'ballast', {
    configurable: true,
    get(this: Request): RequestScope {
      let scope = scopes.get(this);
      if (scope === undefined) {
        scope = new RequestScope(ownerOf(this), this, undefined);
        scopes.set(this, scope);
      }
      return scope;
    },
  });
}
