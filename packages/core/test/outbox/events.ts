import type { Ballast, BallastEvents } from '@ballast/core';

/** Resolves with the first `event` whose payload matches `predicate`; rejects after `timeoutMs`. */
export function nextEvent<K extends keyof BallastEvents & string>(
  ballast: Ballast,
  event: K,
  predicate: (payload: BallastEvents[K]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<BallastEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${event}`));
    }, timeoutMs);
    const off = ballast.events.on(event, (payload) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Collects every payload of `event` until the returned stop function runs. */
export function collect<K extends keyof BallastEvents & string>(ballast: Ballast, event: K): BallastEvents[K][] & { stop(): void } {
  const seen = [] as unknown as BallastEvents[K][] & { stop(): void };
  seen.stop = ballast.events.on(event, (payload) => seen.push(payload));
  return seen;
}
