import { performance } from 'node:perf_hooks';

/** A token bucket on the monotonic clock; refilled lazily when asked. */
export class TokenBucket {
  #tokens: number;
  #last: number;

  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number,
    initialTokens = capacity,
  ) {
    this.#tokens = Math.min(initialTokens, capacity);
    this.#last = performance.now();
  }

  #refill(): void {
    const now = performance.now();
    const added = ((now - this.#last) * this.ratePerSecond) / 1000;
    this.#last = now;
    this.#tokens = Math.min(this.capacity, this.#tokens + added);
  }

  /** Whether a whole token is available now (does not spend it). */
  hasToken(): boolean {
    if (this.#tokens >= 1) return true;
    this.#refill();
    return this.#tokens >= 1;
  }

  /** Spends one token; call only after `hasToken()` said yes. */
  spend(): void {
    this.#tokens -= 1;
  }

  /** Gives back a token spent by a request that was not admitted after all. */
  refund(): void {
    this.#tokens = Math.min(this.capacity, this.#tokens + 1);
  }

  /** Seconds until the next whole token is available (0 when one is). */
  secondsUntilToken(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : (1 - this.#tokens) / this.ratePerSecond;
  }

  /** Tokens now, for carrying state over to a retuned bucket. */
  get tokens(): number {
    this.#refill();
    return this.#tokens;
  }
}
