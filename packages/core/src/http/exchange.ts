import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { HttpObserver } from '../observe/observer.js';
import type { RequestScope } from '../scope/request.js';
import { doneOnSocket, unwatch, watchedOn, watchOnSocket } from '../observe/socketWatch.js';

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
 * Limits find the exchange through `latest`, the last one `observeNode` opened,
 * never through a property of the response: Express gives every request and
 * response a hidden class of its own (it swaps their prototypes per request),
 * so a property added to them costs a new hidden class each time and every read
 * of theirs misses the inline caches (the Express adapter now gives them one
 * shared class before it calls in here, packages/express/src/shape.ts, but not
 * in the one process in twenty where V8 does not find it, nor before `observe()`
 * in other adapters). The usual chain (`app.use(b.observe())`,
 * then a limit on the route) runs from one to the other without a turn of the
 * event loop, so the limit finds its response's exchange there; after a wait in
 * between (a body parser) another request's may be there instead, and the limit
 * listens on its own, as it does without `observe()`.
 */
class Exchange implements ExchangeSlot {
  /** The request, which `exchangeSlot` knows it by: no read of `req.res` on a request Express made a dictionary. */
  readonly req: IncomingMessage;
  readonly res: ServedResponse;
  readonly observer: HttpObserver;
  readonly startedAt: number;
  readonly routeOf: (subject: unknown) => string | undefined;
  readonly subject: unknown;
  /** The first `whenDone` callback (usually a limit's release), then any others. */
  done: Done | null = null;
  more: Done[] | null = null;
  /** Whether the exchange is over (its response finished or closed). */
  ended = false;
  /** The connection that tells when it is over (see `watchOnSocket`), else `null`: the response's `close` does. */
  socket: Socket | null = null;
  scope: RequestScope | null = null;

  constructor(req: IncomingMessage, res: ServedResponse, observer: HttpObserver, startedAt: number, routeOf: (subject: unknown) => string | undefined, subject: unknown) {
    this.req = req;
    this.res = res;
    this.observer = observer;
    this.startedAt = startedAt;
    this.routeOf = routeOf;
    this.subject = subject;
  }

  add(done: Done): void {
    if (this.done === null) this.done = done;
    else (this.more ??= []).push(done);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    // Keep no response alive once it is over.
    if (latest === this) latest = null;
    if (this.socket !== null) unwatch(this.socket, this);
    const res = this.res;
    const left = unobservedOpen !== 0 && res[UNOBSERVED] === true;
    this.observer.end(left ? null : this.routeOf(this.subject), statusCodeOf(res), this.startedAt);
    this.done?.();
    if (this.more !== null) for (const done of this.more) done();
  }
}

type ServedResponse = ServerResponse & { [UNOBSERVED]?: true };

/** What `requestScope` keeps with an open exchange (scope/kept.ts). */
interface ExchangeSlot {
  /** The request's scope, once built. */
  scope: RequestScope | null;
}

/** The response Express links to its request (`req.res`); `undefined` under other frameworks. */
export const linkedResponse = (req: IncomingMessage): ServerResponse | undefined => (req as { res?: ServerResponse }).res;

/**
 * The slot of `req`'s exchange while `observe()` watches it on its connection,
 * else `undefined` (not observed, queued behind another response, or over):
 * found from `latest` in the chain's first turn, from the connection of `res`
 * after a wait (`res` undefined: `req.res`, as Express links them, read only then).
 */
export function exchangeSlot(req: IncomingMessage, res: ServerResponse | undefined): ExchangeSlot | undefined {
  const exchange = latest;
  if (exchange !== null && exchange.req === req) return exchange;
  const response = res ?? linkedResponse(req);
  if (response === undefined) return undefined;
  const socket = socketOf(response);
  if (socket === null) return undefined;
  const watched = watchedOn(socket);
  return watched instanceof Exchange && watched.res === response && !watched.ended ? watched : undefined;
}

/**
 * `res.statusCode` and `res.socket`, own properties of a response (set by
 * `ServerResponse`'s constructor), each through a keyed read (the key a
 * variable, not a name in the code) of its own. Under Express every request
 * and response has a hidden class of its own (see `Exchange`), so a named read
 * misses V8's caches whenever Node's or Express's code has not read the same name
 * on it first, and goes to the runtime (about 2.1k instructions each on a real
 * server, bench/http/callgrind.mjs); a keyed read whose cache went megamorphic
 * finds an own property in the object's own descriptors, without the runtime.
 * One read site per key: under Koa, whose responses share one hidden class, a
 * site that only ever sees one key and one class stays monomorphic (a few
 * instructions), where a helper shared by both keys went megamorphic on Koa too
 * (about 250 instructions a read).
 */
function statusCodeOf(res: ServerResponse): number {
  return (res as unknown as Record<string, number>)[STATUS_CODE] as number;
}

function socketOf(res: ServerResponse): Socket | null {
  return (res as unknown as Record<string, Socket | null>)[SOCKET] as Socket | null;
}

const STATUS_CODE = 'statusCode';
const SOCKET = 'socket';

/** The exchange `observeNode` opened last, until it is over: what a limit of the same response joins. */
let latest: Exchange | null = null;

const { on } = EventEmitter.prototype;

/**
 * `res.on('close', listener)` without looking `on` up on the response (a
 * `ServerResponse` keeps `EventEmitter`'s): under Express that lookup misses
 * its caches and walks six prototypes on every request (see `Exchange`).
 */
function onClose(res: ServerResponse, listener: () => void): void {
  on.call(res, 'close', listener);
}

/** Whether a response's `res.socket` is a live connection: then its `close` comes, whatever happens. */
function live(socket: Socket | null): socket is Socket {
  return socket !== null && !socket.destroyed;
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
 * idempotent (a gate's release is).
 *
 * @example
 * const release = gate.admit();
 * if (typeof release === 'function' && whenDone(req, res, release)) next();
 */
export function whenDone(req: IncomingMessage, res: ServerResponse, done: Done): boolean {
  // Under `observe()` the exchange's listener runs it (an exchange that is over is no longer `latest`).
  const exchange = latest;
  if (exchange !== null && exchange.res === res) {
    exchange.add(done);
    return true;
  }
  // The usual case: the response holds a live connection, so its end comes. A limit alone watches it itself.
  const socket = socketOf(res);
  if (live(socket)) {
    if (!doneOnSocket(socket, res, done)) onClose(res, done);
    return true;
  }
  // Finished but not closed yet is fine: its `close` is still to come.
  if (res.closed) {
    done();
    return false;
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
  onClose(res, fire);
  req.on('close', fire);
  return true;
}

/**
 * What both adapters call for every request under `observe()`: counts it in
 * flight now and, once the exchange is over (see `whenDone`), records its
 * latency under the route template `routeOf(subject)` reads then (routing runs
 * after us). `false` when the client already left.
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
): boolean {
  const socket = socketOf(res);
  const startedAt = observer.begin(socket ?? req.socket);
  const exchange = new Exchange(req, res, observer, startedAt, routeOf as (subject: unknown) => string | undefined, subject);
  // Queued behind another response or already over: no limit joins it, it ends like a limit's release would.
  if (!live(socket)) return whenDone(req, res, () => exchange.end());
  latest = exchange;
  if (watchOnSocket(socket, exchange)) exchange.socket = socket;
  else onClose(res, () => exchange.end());
  return true;
}

/**
 * Responses `unobserved` marked that have not closed yet. While there are none
 * (nearly always), ending an exchange looks nothing up on the response for it:
 * under Express a property missing from the response is looked for through all
 * its prototypes, on every request. A queued response whose client left gets no
 * `close` and stays counted: later exchanges then only check the mark again.
 */
let unobservedOpen = 0;

function forget(): void {
  unobservedOpen--;
}

/**
 * Forgets a marked response on the tick after its `close`, not in it: when its
 * client leaves, Node's own listener on the connection emits the response's
 * `close` before the connection's `close` reaches the exchange, which would then
 * find no marked response and record it.
 */
function forgetUnobserved(): void {
  process.nextTick(forget);
}

/**
 * Leaves a response out of the measurements (the adapters call it for the admin
 * API): a `/health` answering 503 must not count as an application error and
 * feed the very `error_rate` it reports. Only in-flight accounting remains.
 */
export function unobserved(res: ServerResponse): void {
  const served = res as ServedResponse;
  if (served[UNOBSERVED] === true) return;
  served[UNOBSERVED] = true;
  unobservedOpen++;
  res.once('close', forgetUnobserved);
}
