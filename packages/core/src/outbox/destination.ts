import type { ResolvedDestination } from './options.js';
import type { OutboundMessage } from './types.js';
import { DestinationBreaker, type BreakerState } from './worker/breaker.js';
import { createPacer, type Pacer } from './worker/pacer.js';

/**
 * A destination at run time: its deliver function behind its pacer and its
 * breaker. Shared by the worker and `direct-first` desync, so both see one
 * breaker per downstream.
 */
export class DestinationRuntime {
  readonly name: string;
  readonly settings: ResolvedDestination;
  readonly breaker: DestinationBreaker;
  readonly #pacer: Pacer;

  constructor(settings: ResolvedDestination, onBreaker: (state: BreakerState) => void) {
    this.name = settings.name;
    this.settings = settings;
    this.breaker = new DestinationBreaker(settings.breaker, onBreaker);
    this.#pacer = createPacer(settings.ratePerSecond);
  }

  /** How many messages the worker should claim now for this destination. */
  get allowance(): number {
    return Math.min(this.breaker.allowance, this.#pacer.allowance);
  }

  /** One delivery attempt, paced, through the breaker. */
  attempt(message: OutboundMessage, signal: AbortSignal): Promise<void> {
    return this.#pacer.run(() => this.breaker.fire(() => this.settings.deliver(message, signal)));
  }

  /** A direct attempt on the request path: through the breaker but never queued behind the pacer. */
  attemptNow(message: OutboundMessage, signal: AbortSignal): Promise<void> {
    return this.breaker.fire(() => this.settings.deliver(message, signal));
  }

  async close(): Promise<void> {
    this.breaker.shutdown();
    await this.#pacer.close();
  }
}
