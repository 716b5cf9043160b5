import type { ServerResponse } from 'node:http';
import express, { type Application, type Request } from 'express';
import { MissingScopeError, RequestScope, type Ballast } from '@ballast/core';
import { ScopeOwners, scopeServes, taggedInstance } from '@ballast/core/adapter';

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
 * Where `req.ballast` keeps its scope in Express: `res.locals`, not the request.
 * Express swaps the prototype of the request and response on every request,
 * which leaves each with a hidden class of its own, so adding a property to them
 * costs a new hidden class per request (1.1% of the server's CPU for `req.ballast`
 * alone in a profile, 0.5% this way); `res.locals` is a dictionary that takes new
 * keys cheaply. `undefined` (keep it on the response) when an app replaced it
 * with something that takes none.
 */
export function holderOf(res: ServerResponse): object | undefined {
  const locals = (res as { locals?: unknown }).locals;
  return typeof locals === 'object' && locals !== null && Object.isExtensible(locals) ? locals : undefined;
}

const SCOPE = Symbol('ballast.scope');
/** A scope kept in `res.locals`; `scopeServes` tells whether it is this response's: a `res.locals` shared between requests is never mistaken for this one's. */
type Holder = { [SCOPE]?: RequestScope };
/**
 * Scopes kept by request, for the rare request whose `res.locals` cannot hold its
 * scope. A WeakMap rather than a property of the request (see `holderOf`), and read
 * only once some request needed it: the usual first read skips a lookup that
 * misses through the request's whole prototype chain.
 */
const onRequest = new WeakMap<Request, RequestScope>();
let keptOnRequest = false;
let defined = false;

/**
 * Defines `req.ballast` once, as a lazy getter on Express's shared request prototype:
 * requests that never read it pay nothing; the first read builds the scope for the
 * instance mounted on `req.app`, kept in `res.locals` (see `holderOf`), or by request
 * when that is not possible or already holds another response's scope.
 */
export function defineRequestScope(): void {
  if (defined) return;
  defined = true;
  Object.defineProperty(express.request, 'ballast', {
    configurable: true,
    get(this: Request): RequestScope {
      const res = this.res as ServerResponse;
      const holder = (res === undefined ? undefined : holderOf(res)) as Holder | undefined;
      const kept = holder?.[SCOPE];
      if (kept !== undefined && scopeServes(kept, res)) return kept;
      if (keptOnRequest) {
        const cached = onRequest.get(this);
        if (cached !== undefined) return cached;
      }
      // The first read of this request: find the instance mounted on its app.
      const ballast = owners.of(this.app);
      if (ballast === undefined) throw new MissingScopeError('req.ballast', 'app.use(b.observe()) (or b.limit(...)) to this app, with b = ballastExpress(ballast)');
      const scope = new RequestScope(ballast, res);
      // A holder that still keeps another response's scope is shared (or stale): leave it, keep this one by request.
      if (holder !== undefined && kept === undefined) holder[SCOPE] = scope;
      else {
        keptOnRequest = true;
        onRequest.set(this, scope);
      }
      return scope;
    },
  });
}
