import type CircuitBreaker from 'opossum';

/** Counters of one dependency since start (never reset by a retune). */
export interface DependencyStats {
  /** Calls that reached the dependency. */
  calls: number;
  successes: number;
  /** Errors that counted against the breaker (timeouts excluded). */
  failures: number;
  timeouts: number;
  /** Errors the `errorFilter` passed through unchanged. */
  filtered: number;
  /** Reads refused without calling because the breaker was open (or its probes were taken). */
  rejected: number;
  /** Degraded reads answered by the last good value. */
  stale: number;
  /** Degraded reads answered by `fallback`. */
  fallbacks: number;
  /** Calls running now. */
  inFlight: number;
  /** The current closed period's rolling window. */
  window: { calls: number; failures: number };
  /** Latency of calls in opossum's rolling window, in ms. */
  latencyMs: { mean: number; p50: number; p99: number };
}

/** The live counters behind `DependencyStats`; the dependency bumps them as calls end. */
export class DependencyCounters {
  calls = 0;
  successes = 0;
  failures = 0;
  timeouts = 0;
  filtered = 0;
  rejected = 0;
  stale = 0;
  fallbacks = 0;
  inFlight = 0;

  /** A plain copy with the window and opossum's latency figures (absent before the first call). */
  snapshot(window: DependencyStats['window'], latency: CircuitBreaker.Stats | undefined): DependencyStats {
    const { calls, successes, failures, timeouts, filtered, rejected, stale, fallbacks, inFlight } = this;
    return {
      calls,
      successes,
      failures,
      timeouts,
      filtered,
      rejected,
      stale,
      fallbacks,
      inFlight,
      window,
      latencyMs: {
        mean: latency?.latencyMean ?? 0,
        p50: latency?.percentiles['0.5'] ?? 0,
        p99: latency?.percentiles['0.99'] ?? 0,
      },
    };
  }
}
