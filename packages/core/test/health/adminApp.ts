import { afterEach } from 'vitest';
import { createBallast, type AdminServer, type Ballast, type BallastOptions } from '@ballast/core';

/**
 * A Ballast instance serving its admin API on its own loopback listener, for
 * tests of admin routes; both are stopped after each test.
 */
export function adminApp(): { start(options: BallastOptions): Promise<string>; readonly ballast: Ballast } {
  let ballast: Ballast | undefined;
  let server: AdminServer | undefined;
  afterEach(async () => {
    await server?.close();
    await ballast?.stop();
    server = undefined;
    ballast = undefined;
  });
  return {
    async start(options) {
      ballast = createBallast(options);
      server = await ballast.admin.listen();
      return `http://127.0.0.1:${server.port}`;
    },
    get ballast() {
      if (ballast === undefined) throw new Error('start() first');
      return ballast;
    },
  };
}
