import CircuitBreaker from 'opossum';
import { isPermanentDeliveryError } from '../errors.js';
import type { ResolvedDestination } from '../options.js';

export type BreakerState = 'closed' | 'open' | 'halfOpen';

/** opossum's code for a call refused because the breaker is open (or its half-open trial is taken). */
const OPEN_CODES = new Set(['EOPENBREAKER', 'ESHUTDOWN']);
export const isBreakerRefusal = (error: unknown): boolean =>
  OPEN_CODES.has((error as { code?: unknown } | null)?.code as string);

/**
 * One destination's breaker (opossum). Only failures that say the downstream
 * is unwell count: a permanent rejection (4xx) means it is up and answering.
 */
export class DestinationBreaker {
  readonly #breaker: CircuitBreaker<[() => Promise<void>], void>;

  constructor(settings: ResolvedDestination['breaker'], onState: (state: BreakerState) => void) {
    this.#breaker = new CircuitBreaker((run: () => Promise<void>) => run(), {
      timeout: false, // the delivery's AbortSignal bounds its time
      errorThresholdPercentage: settings.errorThresholdPercentage,
      volumeThreshold: settings.volumeThreshold,
      resetTimeout: settings.resetTimeoutMs,
      errorFilter: (error: unknown) => isPermanentDeliveryError(error),
    });
    this.#breaker.on('open', () => onState('open'));
    this.#breaker.on('halfOpen', () => onState('halfOpen'));
    this.#breaker.on('close', () => onState('closed'));
  }

  get state(): BreakerState {
    if (this.#breaker.opened) return 'open';
    return this.#breaker.halfOpen ? 'halfOpen' : 'closed';
  }

  /** How many messages the worker may start now: none while open, one trial while half-open. */
  get allowance(): number {
    const state = this.state;
    switch (state) {
      case 'open':
        return 0;
      case 'halfOpen':
        return this.#breaker.pendingClose ? 1 : 0;
      case 'closed':
        return Number.POSITIVE_INFINITY;
      default:
        return state satisfies never;
    }
  }

  /** Runs `call` through the breaker; rejects with an opossum `EOPENBREAKER` error when refused. */
  fire(call: () => Promise<void>): Promise<void> {
    return this.#breaker.fire(call);
  }

  shutdown(): void {
    this.#breaker.shutdown();
  }
}
