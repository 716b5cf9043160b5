import { nowMs } from '../util/clock.js';
import { LogHistogram } from './histogram.js';
import { SERVER_ERROR } from './routeSeries.js';

/** What a signal reads from a window of HTTP measurements: the observer's sliding window, or a `SinceWindow`. */
export interface WindowReader {
  /** Whether any request was recorded. */
  readonly active: boolean;
  /** Requests begun and not finished, right now. */
  readonly inFlight: number;
  /** Latency (microseconds) of the window, for one route or all. */
  windowHistogram(route?: string): LogHistogram;
  /** 5xx answers in the window, for one route or all. */
  windowErrors(route?: string): number;
  /** How many seconds the window covers. */
  windowSeconds(): number;
}

/**
 * Requests that began after a moment (a flag's change), kept apart from the
 * sliding window so that a guard judges only what happened since. Created by
 * `HttpObserver.since()`; `close()` stops recording.
 */
export class SinceWindow implements WindowReader {
  readonly #byRoute = new Map<string, { histogram: LogHistogram; errors: number }>();
  readonly #startedAt = nowMs();
  readonly #inFlight: () => number;
  readonly #close: (window: SinceWindow) => void;
  active = false;

  constructor(inFlight: () => number, close: (window: SinceWindow) => void) {
    this.#inFlight = inFlight;
    this.#close = close;
  }

  get inFlight(): number {
    return this.#inFlight();
  }

  /** Records one finished request; one that began before this window opened is left out (it ran under the old state). */
  record(route: string, durationMs: number, statusClass: number, startedAt: number): void {
    if (startedAt < this.#startedAt) return;
    let entry = this.#byRoute.get(route);
    if (entry === undefined) {
      entry = { histogram: new LogHistogram(), errors: 0 };
      this.#byRoute.set(route, entry);
    }
    entry.histogram.record(durationMs * 1000);
    if (statusClass === SERVER_ERROR) entry.errors++;
    this.active = true;
  }

  windowHistogram(route?: string): LogHistogram {
    const merged = new LogHistogram();
    for (const [name, entry] of this.#byRoute) if (route === undefined || name === route) merged.add(entry.histogram);
    return merged;
  }

  windowErrors(route?: string): number {
    let errors = 0;
    for (const [name, entry] of this.#byRoute) if (route === undefined || name === route) errors += entry.errors;
    return errors;
  }

  windowSeconds(): number {
    return Math.max(0.001, (nowMs() - this.#startedAt) / 1000);
  }

  close(): void {
    this.#close(this);
  }
}
