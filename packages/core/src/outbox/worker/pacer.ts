import type Bottleneck from 'bottleneck';
import { loadBottleneck } from '../../peers/index.js';

/** Spaces out deliveries to one destination. Bottleneck stays behind this interface and off the request path. */
export interface Pacer {
  /** Runs `fn` when the pace allows. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** How many more messages are worth claiming now (about one second of work). */
  readonly allowance: number;
  close(): Promise<void>;
}

const unpaced: Pacer = {
  run: (fn) => fn(),
  allowance: Number.POSITIVE_INFINITY,
  close: async () => {},
};

/** The feature that needs Bottleneck, as `MissingPeerError` names it. */
export const PACING_FEATURE = 'outbox.destinations.*.ratePerSecond';

/**
 * A pacer for `ratePerSecond`, or a pass-through when the destination is unpaced.
 * Bottleneck (an optional peer) is loaded on the first paced delivery; the outbox's
 * `start()` loads it earlier so a missing install fails at start.
 */
export function createPacer(ratePerSecond: number | undefined): Pacer {
  if (ratePerSecond === undefined) return unpaced;
  let limiter: Promise<Bottleneck> | undefined;
  const open = (): Promise<Bottleneck> =>
    (limiter ??= loadBottleneck(PACING_FEATURE).then((Limiter) => new Limiter({ minTime: 1000 / ratePerSecond, maxConcurrent: null })));
  const perSecond = Math.max(1, Math.ceil(ratePerSecond));
  let waiting = 0;
  return {
    async run(fn) {
      waiting++;
      try {
        return await (await open()).schedule(fn);
      } finally {
        waiting--;
      }
    },
    get allowance() {
      return Math.max(0, perSecond - waiting);
    },
    close: async () => {
      const opened = limiter;
      limiter = undefined;
      if (opened !== undefined) await (await opened).stop({ dropWaitingJobs: true });
    },
  };
}
