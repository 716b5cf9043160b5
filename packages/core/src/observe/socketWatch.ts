import { subscribe } from 'node:diagnostics_channel';
import { Server as HttpServer } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';

/** What a connection tells when the response holding it is over. */
export interface Watched {
  readonly res: object;
  readonly ended: boolean;
  end(): void;
}

const CURRENT = Symbol('ballast.exchange');
type WatchedSocket = Socket & { [CURRENT]?: Watched | null; server?: unknown };

/** Told of every response a Node http(s) server finished, with its request (see `onResponseFinish`). */
type FinishListener = (request: object, response: object) => void;
const finishListeners: FinishListener[] = [];

/** Node's http server publishes every response's `finish` here (with its socket) once someone subscribes. */
function onFinish(message: unknown): void {
  const { request, response, socket } = message as { request: object; response: object; socket: WatchedSocket };
  const watched = socket[CURRENT];
  if (watched != null && watched.res === response) watched.end();
  for (const listener of finishListeners) listener(request, response);
}

let subscribed = false;

function subscribeOnce(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe('http.server.response.finish', onFinish);
}

/**
 * Calls `listener(request, response)` for every response a Node http(s) server
 * finishes, through the one subscriber to Node's `http.server.response.finish`
 * channel that watching connections uses too. A response whose client left
 * before it finished is not told.
 *
 * @example
 * onResponseFinish((request) => scopes.delete(request));
 */
export function onResponseFinish(listener: FinishListener): void {
  finishListeners.push(listener);
  subscribeOnce();
}

/** The connection closed: the response holding it (if not over yet) closes with it, whoever closed it. */
function onSocketClose(this: WatchedSocket): void {
  this[CURRENT]?.end();
}

/**
 * Tells `watched.end()` once the response holding `socket` is over: it finished
 * (one shared subscriber to Node's `http.server.response.finish` channel) or the
 * connection closed (one `close` listener per connection, not per request). An
 * Express response has a hidden class of its own, so a `close` listener on it
 * costs three inline-cache misses per request (`_events`, `_eventsCount` read and
 * written); a socket's class is shared. `false` (listen on the response instead)
 * for a socket no Node http(s) server accepted, or one whose response is watched
 * already (a second `observe()` on the same app).
 */
export function watchOnSocket(socket: Socket, watched: Watched): boolean {
  const s = socket as WatchedSocket;
  const current = s[CURRENT];
  if (current === undefined) {
    if (!(s.server instanceof HttpServer || s.server instanceof HttpsServer)) return false;
    subscribeOnce();
    s.on('close', onSocketClose);
  } else if (current !== null && !current.ended) return false;
  s[CURRENT] = watched;
  return true;
}

/** What `socket` is watched for now: `undefined` when never, `null` between responses. */
export function watchedOn(socket: Socket): Watched | null | undefined {
  return (socket as WatchedSocket)[CURRENT];
}

/** Lets go of an exchange that is over, so an idle connection keeps no response alive. */
export function unwatch(socket: Socket, watched: Watched): void {
  const s = socket as WatchedSocket;
  if (s[CURRENT] === watched) s[CURRENT] = null;
}

/** A callback told once when the response holding a connection is over (a limit without `observe()`). */
class SocketDone implements Watched {
  readonly res: object;
  readonly #socket: Socket;
  readonly #done: () => void;
  ended = false;

  constructor(res: object, socket: Socket, done: () => void) {
    this.res = res;
    this.#socket = socket;
    this.#done = done;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    unwatch(this.#socket, this);
    this.#done();
  }
}

/** Calls `done` once the response `res`, holding `socket`, is over (see `watchOnSocket`); `false` when the connection cannot tell. */
export function doneOnSocket(socket: Socket, res: object, done: () => void): boolean {
  return watchOnSocket(socket, new SocketDone(res, socket, done));
}
