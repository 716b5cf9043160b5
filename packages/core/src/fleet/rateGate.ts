import { Gate, isShed, type Admission, type Queued, type Release } from '../limits/gate.js';
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

  override admit(): Admission {
    return new PreAdmission((ticket) => this.#preAdmit(ticket));
  }

  async #preAdmit(ticket: PreAdmission): Promise<boolean | Shed> {
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
    if (ticket.left) {
      this.#refund(taken);
      return false;
    }
    const admission = super.admit();
    if (typeof admission === 'function') {
      ticket.hold(admission);
      return true;
    }
    // Shed at once by a local stage: the fleet token was not used. A queued request keeps it.
    if (isShed(admission)) {
      this.#refund(taken);
      return admission;
    }
    ticket.hold(admission.release);
    return admission.admitted;
  }

  #refund(taken: readonly Limiter[]): void {
    for (const limiter of taken) this.#rate.refund(limiter);
  }
}

/** A request waiting for the shared store: a release before the local admission only marks it as gone. */
class PreAdmission implements Queued {
  left = false;
  #inner: Release | null = null;
  readonly admitted: Promise<boolean | Shed>;

  constructor(run: (ticket: PreAdmission) => Promise<boolean | Shed>) {
    this.admitted = run(this);
  }

  hold(inner: Release): void {
    this.#inner = inner;
  }

  readonly release: Release = () => {
    this.left = true;
    this.#inner?.();
  };
}
