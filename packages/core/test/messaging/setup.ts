import { afterEach } from 'vitest';
import { createBallast, type Ballast, type BallastOptions } from '@ballast/core';
import { removeCreated } from './brokers.js';

/** Started Ballast instances, all stopped after each test; then the test's topics and groups are deleted from the brokers. */
export function ballastSuite() {
  const running: Ballast[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((b) => b.stop()));
    await removeCreated();
  });
  return {
    async start(options: BallastOptions): Promise<Ballast> {
      const ballast = createBallast(options);
      running.push(ballast);
      await ballast.start();
      return ballast;
    },
  };
}

/** Polls an asynchronous condition (every 50 ms) until it holds. */
export async function eventually(predicate: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
