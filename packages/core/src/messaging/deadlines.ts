/** Something waiting with a deadline (ms since the epoch); `expire` is called once it passed. */
export interface Expiring {
  readonly deadline: number;
  expire(now: number): void;
}

/** How often the sweep looks: a confirm deadline is noticed at most this late. */
const SWEEP_INTERVAL_MS = 10;

/**
 * One timer for every confirm in flight instead of a `setTimeout` per
 * publish: a timer per publish cost more client CPU than the rest of
 * Ballast's publish path. The timer runs only while something waits, and
 * never keeps the process alive.
 */
export class DeadlineSweep {
  readonly #waiting = new Set<Expiring>();
  #timer: NodeJS.Timeout | undefined;

  add(entry: Expiring): void {
    this.#waiting.add(entry);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS);
      this.#timer.unref();
    }
  }

  delete(entry: Expiring): void {
    this.#waiting.delete(entry);
  }

  #sweep(): void {
    if (this.#waiting.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    const now = Date.now();
    for (const entry of this.#waiting) {
      if (entry.deadline > now) continue;
      this.#waiting.delete(entry);
      entry.expire(now);
    }
  }
}
