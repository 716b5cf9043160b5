import type { IncomingMessage, ServerResponse } from 'node:http';
import { whenDone } from '../http/exchange.js';
import type { HttpObserver } from './observer.js';

const UNOBSERVED = Symbol.for('ballast.unobserved');

/**
 * Leaves a response out of the measurements (the adapters call it for the admin
 * API): a `/health` answering 503 must not count as an application error and
 * feed the very `error_rate` it reports. Only in-flight accounting remains.
 */
export function unobserved(res: ServerResponse): void {
  (res as ServerResponse & { [UNOBSERVED]?: true })[UNOBSERVED] = true;
}

/**
 * What both adapters call for every request under `observe()`: start the clock
 * now, and when the exchange is over (finished, closed, or the client left; see
 * `whenDone`) record it under the route template that `routeOf` reads then,
 * since routing happens after us. Returns `false` when the client already left.
 *
 * @example
 * observeNode(ballast.observer, req, res, () => req.route?.path);
 */
export function observeNode(
  observer: HttpObserver,
  req: IncomingMessage,
  res: ServerResponse,
  routeOf: () => string | undefined,
): boolean {
  const startedAt = observer.begin(req.socket);
  return whenDone(req, res, () =>
    observer.end((res as ServerResponse & { [UNOBSERVED]?: true })[UNOBSERVED] === true ? null : routeOf(), res.statusCode, startedAt),
  );
}
