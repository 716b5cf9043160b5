import type { Logger } from '../../util/logger.js';

export interface SupervisorHooks {
  crashed(error: unknown, restartInMs: number): void;
  restarted(restarts: number): void;
}

export interface Supervised {
  /** Stops restarting, signals the running loop and waits for it to return. */
  stop(): Promise<void>;
}

/**
 * Runs `loop` until stopped; when it throws (a lost connection, a bug) it is
 * restarted after a backoff that doubles up to `maxDelayMs` and resets once a
 * run reports `healthy()`. Nothing escapes: no unhandled rejection, no crash.
 */
export function supervise(
  loop: (signal: AbortSignal, healthy: () => void) => Promise<void>,
  hooks: SupervisorHooks,
  logger: Logger,
  options: { minDelayMs?: number; maxDelayMs?: number } = {},
): Supervised {
  const minDelayMs = options.minDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const controller = new AbortController();
  let delayMs = minDelayMs;
  let restarts = 0;
  let wakeSleep: (() => void) | undefined;

  const healthy = (): void => {
    delayMs = minDelayMs;
  };

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wakeSleep = undefined;
        resolve();
      }
      wakeSleep = done;
    });

  const run = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      try {
        await loop(controller.signal, healthy);
        if (controller.signal.aborted) return;
        throw new Error('supervised loop returned without being stopped');
      } catch (error) {
        if (controller.signal.aborted) return;
        const wait = delayMs;
        delayMs = Math.min(delayMs * 2, maxDelayMs);
        logger.error({ err: error, restartInMs: wait }, 'ballast: background loop crashed; restarting');
        hooks.crashed(error, wait);
        await sleep(wait);
        if (controller.signal.aborted) return;
        restarts++;
        hooks.restarted(restarts);
      }
    }
  };

  const running = run();
  return {
    async stop() {
      controller.abort();
      wakeSleep?.();
      await running;
    },
  };
}
