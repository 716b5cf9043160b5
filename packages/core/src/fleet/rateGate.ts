import { DROP, Gate, PROCEED, type Admission, type ResponseLifetime } from '../limits/gate.js';
import type { Limiter, Shed } from '../limits/limiter.js';

/** A token bucket shared by every instance (Redis): what a gate through a `scope: 'fleet'` limit asks first. */
export interface SharedRate {
  /** Takes one token of the limit's fleet-wide bucket: `null` when admitted, else why not. */
  take(limiter: Limiter): Promise<Shed | null>;
  /** Gives back a token taken by a request the local limits then shed. */
  refund(limiter: Limiter): void;
}

/**
 * A gate whose limits include fleet-scoped rates. It runs an asynchronous
 * pre-admission against the shared bucket, then the ordinary synchronous gate; only
 * routes through such a limit pay for the round trip, every other gate is untouched.
 */
export class SharedRateGate extends Gate {
  readonly #shared: readonly Limiter[];
  readonly #rate: SharedRate;

  constructor(limiters: readonly Limiter[], shared: readonly Limiter[], rate: SharedRate) {
    super(limiters);
    this.#shared = shared;
    this.#rate = rate;
  }

  override enter(res: ResponseLifetime): Admission | Promise<Admission> {
    if (res.closed) return DROP;
    return this.#preAdmit(res);
  }

  async #preAdmit(res: ResponseLifetime): Promise<Admission> {
    const taken: Limiter[] = [];
    for (const limiter of this.#shared) {
      const s = limiter.settings;
      // Closed paths shed as `closed` in the local stage; an unlimited rate has nothing to share.
      if (s.maxConcurrent === 0 || s.ratePerSecond === null) continue;
      const shed = await this.#rate.take(limiter);
      if (shed !== null) {
        this.#refund(taken);
        limiter.shedByReason.rate++;
        return shed;
      }
      taken.push(limiter);
    }
    if (res.closed) {
      this.#refund(taken);
      return DROP;
    }
    const admission = super.enter(res);
    // Shed at once by a local stage: the fleet token was not used. A queued request keeps it.
    if (admission !== PROCEED && !(admission instanceof Promise)) this.#refund(taken);
    return admission;
  }

  #refund(taken: readonly Limiter[]): void {
    for (const limiter of taken) this.#rate.refund(limiter);
  }
}
