import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { HttpObserver } from '../observe/observer.js';

const UNOBSERVED = Symbol.for('ballast.unobserved');

type Done = () => void;

/**
 * What Ballast runs when one response's exchange is over, under `observe()`:
 * its record and every limit's release share one `close` listener, so a request
 * under `observe()` and a limit adds one listener and one object, not one
 * listener and closure each (bench/http/micro.mjs, medians of 3 interleaved
 * runs: Express observe + limit 237 -> 181 ns added per request, Koa 395 -> 310).
 * A limit without `observe()` adds its release as the listener, which costs
 * less than creating an exchange for it.
 *
 * Not under Express: Express gives every request and response a hidden class
 * of its own (it swaps their prototypes per request), so adding a property to
 * them costs a new hidden class each time (the exchange on `res`: 1.2% of the
 * server's CPU in a profile, against 0.03% for the same code under Koa), and
 * every read of theirs misses the inline caches. Even kept in `res.locals` it
 * cost more there than a listener and a closure per caller (Ballast's share of
 * the server's busy samples 3.7-3.8% against 2.6-3.1%, profiles interleaved),
 * so the Express adapter passes `shared` `false`.
 */
class Exchange {
  readonly res: ServedResponse;
  /** The observer measuring this exchange (`observeNode`), and what it needs at the end. */
  observer: HttpObserver | null = null;
  startedAt = 0;
  routeOf: ((subject: unknown) => string | undefined) | null = null;
  subject: unknown = undefined;
  /** The first `whenDone` callback (usually a limit's release), then any others. */
  done: Done | null = null;
  more: Done[] | null = null;
  /** Whether the response closed (its listener ran): later callbacks run at once. */
  ended = false;

  constructor(res: ServedResponse) {
    this.res = res;
  }

  add(done: Done): void {
    if (this.done === null) this.done = done;
    else (this.more ??= []).push(done);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    const res = this.res;
    const observer = this.observer;
    if (observer !== null) {
      const route = res[UNOBSERVED] === true ? null : (this.routeOf as (subject: unknown) => string | undefined)(this.subject);
      observer.end(route, res.statusCode, this.startedAt);
    }
    this.done?.();
    if (this.more !== null) for (const done of this.more) done();
  }
}

const EXCHANGE = Symbol('ballast.exchange');
type ServedResponse = ServerResponse & { [EXCHANGE]?: Exchange; [UNOBSERVED]?: true };

/** The one `close` listener of an exchange, a module-level function: no closure per request. */
function onClose(this: ServedResponse): void {
  this[EXCHANGE]?.end();
}

/** The exchange of a response that holds its connection, created (with its listener) by the first caller. */
function exchangeOf(res: ServedResponse): Exchange {
  let exchange = res[EXCHANGE];
  if (exchange === undefined) {
    exchange = res[EXCHANGE] = new Exchange(res);
    res.on('close', onClose);
  }
  return exchange;
}

/**
 * Calls `done` once the exchange is over: the response closed (Node emits its
 * `close` on the tick after `finish`, and when the connection closes while the
 * response holds it) or the client left first. Returns `false`, having called
 * `done`, when it was over already: answer nothing then.
 *
 * A response queued behind an earlier one (HTTP/1.1 pipelining) does not hold
 * the connection yet, and gets no event at all when the client leaves: its
 * request's `close` is the sign then. That event also fires when only the body
 * was read to the end, with the connection still open; the connection's own
 * `close` is the sign after that. Only such responses pay for the extra listeners.
 *
 * `done` may run more than once only if it is called elsewhere too: make it
 * idempotent (a gate's release is). `shared` `false`: never join or keep an
 * exchange, add a listener of its own (Express, see `Exchange`).
 *
 * @example
 * const release = gate.admit();
 * if (typeof release === 'function' && whenDone(req, res, release)) next();
 */
export function whenDone(req: IncomingMessage, res: ServerResponse, done: Done, shared = true): boolean {
  // Under `observe()` the exchange's listener runs it (the exchange knows whether it is over already).
  const exchange = shared ? (res as ServedResponse)[EXCHANGE] : undefined;
  if (exchange !== undefined) {
    if (exchange.ended) done();
    else exchange.add(done);
    return !exchange.ended;
  }
  // Finished but not closed yet is fine: its `close` is still to come.
  if (res.closed) {
    done();
    return false;
  }
  // The usual case: the response holds the connection, so its `close` comes, whatever happens. A limit alone listens itself.
  if (res.socket !== null) {
    res.on('close', done);
    return true;
  }
  return whenQueuedDone(req, res, done);
}

/** `whenDone` for a response queued behind another on its connection. */
function whenQueuedDone(req: IncomingMessage, res: ServerResponse, done: Done): boolean {
  let pending = true;
  let watched: Socket | null = null;
  const fire = function (this: unknown): void {
    if (!pending) return;
    if (this === req && !res.closed) {
      const socket = req.socket as Socket | null;
      if (socket !== null && !socket.destroyed) {
        // Only the body was read: watch the connection while the response still waits for it.
        if (watched === null && res.socket === null && !res.writableFinished) (watched = socket).once('close', fire);
        return;
      }
    }
    pending = false;
    watched?.removeListener('close', fire);
    done();
  };
  if (req.destroyed) fire.call(req);
  if (!pending) return false;
  res.on('close', fire);
  req.on('close', fire);
  return true;
}

/**
 * What both adapters call for every request under `observe()`: counts it in
 * flight now and, once the exchange is over (see `whenDone`), records its
 * latency under the route template `routeOf(subject)` reads then (routing runs
 * after us). `false` when the client already left. `shared` as for `whenDone`.
 *
 * @example
 * if (observeNode(ballast.observer, req, res, routeOf, req)) next();
 */
export function observeNode<S>(
  observer: HttpObserver,
  req: IncomingMessage,
  res: ServerResponse,
  routeOf: (subject: S) => string | undefined,
  subject: S,
  shared = true,
): boolean {
  const startedAt = observer.begin(req.socket);
  const exchange = !shared || res.socket === null || res.closed ? undefined : exchangeOf(res);
  if (exchange === undefined || exchange.observer !== null) {
    // No exchange kept, queued behind another response, already over, or a second observer on it: a callback of its own.
    return whenDone(req, res, () => observer.end((res as ServedResponse)[UNOBSERVED] === true ? null : routeOf(subject), res.statusCode, startedAt));
  }
  exchange.observer = observer;
  exchange.startedAt = startedAt;
  exchange.routeOf = routeOf as (subject: unknown) => string | undefined;
  exchange.subject = subject;
  return true;
}

/**
 * Leaves a response out of the measurements (the adapters call it for the admin
 * API): a `/health` answering 503 must not count as an application error and
 * feed the very `error_rate` it reports. Only in-flight accounting remains.
 */
export function unobserved(res: ServerResponse): void {
  (res as ServedResponse)[UNOBSERVED] = true;
}
