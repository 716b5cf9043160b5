import { BreakerMachine, type BreakerStateName } from '../../dependencies/machine.js';
import { isDeliveryError, isPermanentDeliveryError } from '../errors.js';
import type { ResolvedDestination } from '../options.js';

export type BreakerState = 'closed' | 'open' | 'halfOpen';

/** The code of the error `fire` rejects with when the breaker refuses a call. */
const REFUSED = 'EOPENBREAKER';
export const isBreakerRefusal = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === REFUSED;

const names: Record<BreakerStateName, BreakerState> = { closed: 'closed', open: 'open', 'half-open': 'halfOpen' };

/** A failed probe's `Retry-After` (429 or 503 only): when the downstream itself asked us to come back. */
function askedToWaitMs(error: unknown): number | undefined {
  if (!isDeliveryError(error) || (error.httpStatus !== 429 && error.httpStatus !== 503)) return undefined;
  return error.retryAfterMs;
}

/**
 * One destination's breaker: the same state machine as the dependencies'
 * (`BreakerMachine`), with probe backoff. After it opens, the first probe goes
 * after `probeAfterMs`; each failed probe doubles the wait up to
 * `resetTimeoutMs`; a probe answered 429/503 with `Retry-After` waits exactly
 * that. Only failures that say the downstream is unwell count: a permanent
 * rejection (4xx) means it is up and answering. The machine turns half-open
 * lazily; a timer looks at the right moment so the worker is woken to probe.
 */
export class DestinationBreaker {
  readonly #machine: BreakerMachine;
  readonly #onState: (state: BreakerState) => void;
  #timer: NodeJS.Timeout | undefined;

  constructor(settings: ResolvedDestination['breaker'], onState: (state: BreakerState) => void) {
    this.#onState = onState;
    const machineSettings = {
      errorThresholdPercentage: settings.errorThresholdPercentage,
      volumeThreshold: settings.volumeThreshold,
      resetTimeoutMs: settings.resetTimeoutMs,
      firstProbeMs: settings.probeAfterMs,
      rollingWindowMs: 10_000,
      rollingBuckets: 10,
      halfOpenMaxProbes: 1,
      force: null,
    };
    this.#machine = new BreakerMachine(machineSettings, performance.now(), (_from, to) => this.#entered(to));
  }

  get state(): BreakerState {
    return names[this.#machine.state(performance.now()).kind];
  }

  /** How many messages the worker may start now: none while open, one probe while half-open and none is out. */
  get allowance(): number {
    const s = this.#machine.state(performance.now());
    switch (s.kind) {
      case 'open':
        return 0;
      case 'half-open':
        return s.admitted === 0 ? 1 : 0;
      case 'closed':
        return Number.POSITIVE_INFINITY;
      default:
        return s satisfies never;
    }
  }

  /** Runs `call` through the breaker; rejects with an `EOPENBREAKER` error when refused. */
  async fire(call: () => Promise<void>): Promise<void> {
    const ticket = this.#machine.admit(performance.now());
    if (ticket === undefined) throw Object.assign(new Error('breaker open: the destination is paused'), { code: REFUSED });
    try {
      await call();
    } catch (error) {
      const unwell = !isPermanentDeliveryError(error);
      this.#machine.report(ticket, !unwell, performance.now(), unwell ? askedToWaitMs(error) : undefined);
      throw error;
    }
    this.#machine.report(ticket, true, performance.now());
  }

  shutdown(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #entered(state: BreakerStateName): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const s = this.#machine.state(performance.now());
    if (s.kind === 'open' && Number.isFinite(s.halfOpenAt)) {
      this.#timer = setTimeout(() => this.#machine.state(performance.now()), Math.max(0, s.halfOpenAt - performance.now()) + 1);
      this.#timer.unref();
    }
    this.#onState(names[state]);
  }
}
