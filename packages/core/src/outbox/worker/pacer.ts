import Bottleneck from 'bottleneck';

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

/** A pacer for `ratePerSecond`, or a pass-through when the destination is unpaced. */
export function createPacer(ratePerSecond: number | undefined): Pacer {
  if (ratePerSecond === undefined) return unpaced;
  const limiter = new Bottleneck({ minTime: 1000 / ratePerSecond, maxConcurrent: null });
  const perSecond = Math.max(1, Math.ceil(ratePerSecond));
  let waiting = 0;
  return {
    async run(fn) {
      waiting++;
      try {
        return await limiter.schedule(fn);
      } finally {
        waiting--;
      }
    },
    get allowance() {
      return Math.max(0, perSecond - waiting);
    },
    close: () => limiter.stop({ dropWaitingJobs: true }),
  };
}
