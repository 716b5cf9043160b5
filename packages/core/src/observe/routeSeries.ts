import { LogHistogram } from './histogram.js';

/** Labels of the status classes, by index. */
export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];
export const SERVER_ERROR = 4;

/** OpenTelemetry's default explicit bucket bounds for durations, in milliseconds. */
export const DURATION_BOUNDS_MS: readonly number[] = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
/** One bucket per bound plus `+Inf`. */
const BUCKETS = DURATION_BOUNDS_MS.length + 1;

/** The index of a status code's class; anything out of range counts with its nearest class. */
export function statusClassOf(status: number): number {
  const cls = ((status / 100) | 0) - 1;
  return cls < 0 ? 0 : cls > SERVER_ERROR ? SERVER_ERROR : cls;
}

/**
 * Everything recorded for one route template: a ring of window slots (a
 * latency histogram and a 5xx count each) for asserts, and cumulative counts
 * by status class in OpenTelemetry's buckets for the exported histogram.
 */
export class RouteSeries {
  readonly route: string;
  readonly slots: LogHistogram[];
  readonly slotErrors: Float64Array;
  /** Cumulative, by status class. */
  readonly count = new Float64Array(STATUS_CLASSES.length);
  readonly sumMs = new Float64Array(STATUS_CLASSES.length);
  /** Cumulative, non-cumulative-by-bucket: `[statusClass * BUCKETS + bucket]`. */
  readonly buckets = new Float64Array(STATUS_CLASSES.length * BUCKETS);
  /** Requests, halved every window slot: how much traffic the route carries now (the route cap keeps the busiest). */
  hits = 0;

  constructor(route: string, slotCount: number) {
    this.route = route;
    this.slots = Array.from({ length: slotCount }, () => new LogHistogram());
    this.slotErrors = new Float64Array(slotCount);
  }

  record(slot: number, durationMs: number, cls: number): void {
    this.hits++;
    (this.slots[slot] as LogHistogram).record(durationMs * 1000);
    if (cls === SERVER_ERROR) this.slotErrors[slot]!++;
    this.count[cls]!++;
    this.sumMs[cls]! += durationMs;
    let bucket = 0;
    while (bucket < BUCKETS - 1 && durationMs > DURATION_BOUNDS_MS[bucket]!) bucket++;
    this.buckets[cls * BUCKETS + bucket]!++;
  }

  clearSlot(slot: number): void {
    (this.slots[slot] as LogHistogram).clear();
    this.slotErrors[slot] = 0;
  }

  /** Cumulative bucket counts (`le` semantics) of one status class, `+Inf` last. */
  cumulativeBuckets(cls: number): number[] {
    const out: number[] = [];
    let running = 0;
    for (let b = 0; b < BUCKETS; b++) {
      running += this.buckets[cls * BUCKETS + b]!;
      out.push(running);
    }
    return out;
  }
}
