import type { ServerResponse } from 'node:http';
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

const SCOPE = Symbol('ballast.scope');
type ScopedRequest = Request & { [SCOPE]?: RequestScope };
let defined = false;

/**
 * Defines `req.ballast` once, as a lazy getter on Express's shared request prototype:
 * requests that never read it pay nothing; the first read builds the scope for the
 * instance mounted on `req.app`.
 */
export function defineRequestScope(): void {
  if (defined) return;
  defined = true;
  Object.defineProperty(express.request, 'ballast', {
    configurable: true,
    get(this: ScopedRequest): RequestScope {
      const cached = this[SCOPE];
      if (cached !== undefined) return cached;
      const ballast = owners.of(this.app);
      if (ballast === undefined) throw new MissingScopeError('req.ballast', 'app.use(b.observe()) (or b.limit(...)) to this app, with b = ballastExpress(ballast)');
      return (this[SCOPE] = new RequestScope(ballast, this.res as ServerResponse));
    },
  });
}
