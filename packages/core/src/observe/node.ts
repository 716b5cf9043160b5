import type { ServerResponse } from 'node:http';
import type { HttpObserver } from './observer.js';

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
  res.on('close', () => observer.end(routeOf(), res.statusCode, startedAt));
}
