import { once } from 'node:events';
import type { Server } from 'node:http';
import { afterEach } from 'vitest';
import type { Ballast } from '@ballast/core';
import { closeServer } from './server.js';

/**
 * For tests that build their own app: listens on 127.0.0.1, port 0, and after
 * each test closes the server and stops the Ballast. Call inside a `describe`.
 *
 * @example
 * const serve = servedApps();
 * const server = await serve(ballast, app);   // app: anything with listen(port, host)
 */
export function servedApps(): (ballast: Ballast, app: { listen(port: number, host: string): Server }) => Promise<Server> {
  let server: Server | undefined;
  let ballast: Ballast | undefined;
  afterEach(async () => {
    if (server !== undefined) await closeServer(server);
    await ballast?.stop();
    server = ballast = undefined;
  });
  return async (started, app) => {
    ballast = started;
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return server;
  };
}
