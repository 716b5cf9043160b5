import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Ballast } from '../ballast.js';
import { exchangeSlot } from '../http/exchange.js';
import { onResponseFinish } from '../observe/socketWatch.js';
import { RequestScope } from './request.js';

/**
 * Scopes of requests `observe()` does not watch (not mounted, queued behind a pipelined
 * response, over), by request. V8's young-generation GC treats a WeakMap's values as
 * strong (only a full GC honours the weak keys), and a scope holds its request: an entry
 * left in the map kept every finished request alive through its scavenges (about 8 µs a
 * request with one `flag()`, bench/flags/gc.mjs), so each is deleted once its response
 * finished. One whose client left first stays until a full GC.
 */
const scopes = new WeakMap<IncomingMessage, RequestScope>();

/** Registered once the first entry exists. */
let forgetting = false;

/**
 * The scope of `req` (what an adapter hands out as `req.ballast`), built on first use for
 * the instance `ballastOf(req)` names. Kept with the response's exchange while `observe()`
 * watches it: a WeakMap entry cost an Express request with one `flag()` the table's
 * growing and shrinking and its ephemeron work in every scavenge (bench/flags, one
 * process, its two paths in turn: 0.979x with the map, 0.989–0.996x without). Else, and
 * for a scope made before the exchange existed (read in a middleware mounted before
 * `observe()`), kept by request. Read once its response is over, it is a new scope.
 * `res` is needed only after a wait in the chain, to find the exchange on its connection;
 * `undefined`: `req.res`, as Express links them, read only then.
 *
 * @example
 * get ballast() { return requestScope(this, undefined, ownerOf); }
 */
export function requestScope<R extends IncomingMessage>(req: R, res: ServerResponse | undefined, ballastOf: (req: R) => Ballast): RequestScope {
  // A request that was never a WeakMap key has no identity hash: this lookup ends there.
  let scope = scopes.get(req);
  if (scope !== undefined) return scope;
  const slot = exchangeSlot(req, res);
  if (slot !== undefined) return (slot.scope ??= new RequestScope(ballastOf(req), req, undefined));
  scope = new RequestScope(ballastOf(req), req, undefined);
  scopes.set(req, scope);
  if (!forgetting) {
    forgetting = true;
    onResponseFinish((request) => scopes.delete(request as IncomingMessage));
  }
  return scope;
}
