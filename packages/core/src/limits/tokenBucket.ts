import { nowMs } from '../util/clock.js';

/** A monotonic clock in milliseconds. */
export type Clock = () => number;
const monotonic: Clock = nowMs;

/**
 * Refills are fractions (0.1 + 0.2 + 0.7 is not exactly 1 in floating point): a
 * token this close to whole counts as whole, far below the 0.001 tokens a
 * millisecond at the smallest useful rate adds.
 */
const ROUNDING = 1e-9;

/**
 * A token bucket, refilled lazily on every question from the clock: in any
 * interval of length T it admits at most `capacity + ratePerSecond * T`, and
 * after any idle period at most `capacity` at once.
 */
export class TokenBucket {
  #rate: number;
  #capacity: number;
  #tokens: number;
  #last: number;
  readonly #clock: Clock;

  constructor(ratePerSecond: number, capacity: number, clock: Clock = monotonic) {
    this.#rate = ratePerSecond;
    this.#capacity = capacity;
    this.#tokens = capacity;
    this.#clock = clock;
    this.#last = clock();
  }

  get ratePerSecond(): number {
    return this.#rate;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Tokens now (fractional). */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }

  // Always from the clock: skipping the refill while tokens remain would later
  // credit the idle time during which the bucket was already full.
  #refill(): void {
    const now = this.#clock();
    const elapsed = now - this.#last;
    this.#last = now;
    if (elapsed > 0) this.#tokens = Math.min(this.#capacity, this.#tokens + (elapsed * this.#rate) / 1000);
  }

  /** Whether a whole token is available now (does not spend it). */
  hasToken(): boolean {
    this.#refill();
    return this.#tokens >= 1 - ROUNDING;
  }

  /** Spends one token; call only after `hasToken()` said yes. */
  spend(): void {
    this.#tokens -= 1;
  }

  /** Gives back a token spent by a request that was not admitted after all. */
  refund(): void {
    this.#tokens = Math.min(this.#capacity, this.#tokens + 1);
  }

  /** Seconds until the next whole token is available (0 when one is). */
  secondsUntilToken(): number {
    return this.hasToken() ? 0 : (1 - this.#tokens) / this.#rate;
  }

  /** New settings from now on: what accrued so far counts at the old rate, and a smaller capacity cuts it; never adds a token. */
  retune(ratePerSecond: number, capacity: number): void {
    this.#refill();
    this.#rate = ratePerSecond;
    this.#capacity = capacity;
    this.#tokens = Math.min(this.#tokens, capacity);
  }
}
