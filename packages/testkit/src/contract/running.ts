import { afterEach } from 'vitest';
import type { Ballast } from '@ballast/core';
import type { AdapterHarness, AppSpec, RunningApp } from '../harness.js';

/**
 * Runs each test's Ballast and app, and closes both after the test (the Ballast
 * too when the app failed to start): the lifecycle contract modules share.
 * Call inside a `describe`.
 *
 * @example
 * const running = runningApps(harness);
 * const ballast = createBallast({ limits: { api: { maxConcurrent: 1 } } });
 * const app = await running.start(ballast, { routes: [] });
 */
export function runningApps(harness: AdapterHarness): { start(ballast: Ballast, spec: AppSpec): Promise<RunningApp> } {
  let app: RunningApp | undefined;
  let ballast: Ballast | undefined;
  afterEach(async () => {
    await app?.close();
    await ballast?.stop();
    app = undefined;
    ballast = undefined;
  });
  return {
    async start(started, spec) {
      ballast = started;
      app = await harness.start(started, spec);
      return app;
    },
  };
}
