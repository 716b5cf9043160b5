import type { ServerResponse } from 'node:http';
import type { HttpObserver } from './observer.js';

const UNOBSERVED = Symbol('ballast.unobserved');

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
 * now, and when the response closes (finished or abandoned) record it under the
 * route template that `routeOf` reads then, since routing happens after us.
 *
 * @example
 * observeNode(ballast.observer, req.socket, res, () => req.route?.path);
 */
export function observeNode(
  observer: HttpObserver,
  socket: object,
  res: ServerResponse,
  routeOf: () => string | undefined,
): void {
  const startedAt = observer.begin(socket);
  res.on('close', () =>
    observer.end((res as ServerResponse & { [UNOBSERVED]?: true })[UNOBSERVED] === true ? null : routeOf(), res.statusCode, startedAt),
  );
}
