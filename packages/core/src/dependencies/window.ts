/**
 * Outcomes of recent calls in a ring of time buckets, rotated lazily from the
 * clock on every read or write. Having no timer of its own, it cannot be
 * stopped by accident: after an idle period longer than the window, the window
 * is simply empty, so one failure after a quiet spell is one call out of one,
 * below any `volumeThreshold` above 1.
 */
export class RollingWindow {
  readonly #successes: number[];
  readonly #failures: number[];
  readonly #bucketMs: number;
  /** Start time of the current bucket (index `#head`). */
  #bucketStart: number;
  #head = 0;
  #totalSuccesses = 0;
  #totalFailures = 0;

  constructor(windowMs: number, buckets: number, now: number) {
    this.#successes = new Array<number>(buckets).fill(0);
    this.#failures = new Array<number>(buckets).fill(0);
    this.#bucketMs = windowMs / buckets;
    this.#bucketStart = now;
  }

  get successes(): number {
    return this.#totalSuccesses;
  }

  get failures(): number {
    return this.#totalFailures;
  }

  /** Calls in the window (successes and failures). */
  get calls(): number {
    return this.#totalSuccesses + this.#totalFailures;
  }

  record(ok: boolean, now: number): void {
    this.rotate(now);
    if (ok) {
      this.#successes[this.#head] = (this.#successes[this.#head] as number) + 1;
      this.#totalSuccesses++;
    } else {
      this.#failures[this.#head] = (this.#failures[this.#head] as number) + 1;
      this.#totalFailures++;
    }
  }

  /** Drops the buckets that have aged out by `now`. */
  rotate(now: number): void {
    const elapsed = Math.floor((now - this.#bucketStart) / this.#bucketMs);
    if (elapsed <= 0) return;
    const size = this.#successes.length;
    for (let i = 0; i < Math.min(elapsed, size); i++) {
      this.#head = (this.#head + 1) % size;
      this.#totalSuccesses -= this.#successes[this.#head] as number;
      this.#totalFailures -= this.#failures[this.#head] as number;
      this.#successes[this.#head] = 0;
      this.#failures[this.#head] = 0;
    }
    this.#bucketStart += elapsed * this.#bucketMs;
  }

  /** Forgets everything (a fresh closed period starts from a clean slate). */
  reset(now: number): void {
    this.#successes.fill(0);
    this.#failures.fill(0);
    this.#totalSuccesses = 0;
    this.#totalFailures = 0;
    this.#bucketStart = now;
  }

  /** A window of another shape holding this one's current totals (for a retune). */
  resized(windowMs: number, buckets: number, now: number): RollingWindow {
    this.rotate(now);
    const next = new RollingWindow(windowMs, buckets, now);
    next.#successes[0] = this.#totalSuccesses;
    next.#failures[0] = this.#totalFailures;
    next.#totalSuccesses = this.#totalSuccesses;
    next.#totalFailures = this.#totalFailures;
    return next;
  }
}
