import { ADMITTED, CANCELLED, Waiter, type Limiter, type Shed } from './limiter.js';

/**
 * Gives back what a request holds in a gate: its slots once admitted, its place
 * while it waits. Idempotent, so an adapter may call it on every end event.
 */
export type Release = () => void;

/** A request that must wait (a full limit, or a shared rate asked over the network). */
export interface Queued {
  /** Leaves the queue while waiting, gives the slots back once admitted; idempotent. */
  readonly release: Release;
  /** `true` once admitted, `false` when released before (the client left), else why it was shed. */
  readonly admitted: Promise<boolean | Shed>;
}

/**
 * What `Gate.admit` answers, in plain data: admitted at once (a `Release`, called
 * exactly when the exchange is over), shed at once (a `Shed` to answer with), or
 * `Queued`. Tell them apart with `typeof a === 'function'` and `isShed(a)`.
 */
export type Admission = Release | Shed | Queued;

/** Whether an admission (or a queued outcome) is a shed verdict. */
export const isShed = (a: Admission | boolean): a is Shed => typeof a === 'object' && 'reason' in a;

/**
 * Admission through one or several limits in order (e.g. a global `api` limit,
 * then a route's `search` limit). A request holds all of them or none: when a
 * later limit sheds it, the slots it took earlier are given back at once. The
 * gate never watches the request; the adapter calls the release it hands out.
 */
export class Gate {
  readonly limiters: readonly Limiter[];
  readonly #only: Limiter | undefined;

  constructor(limiters: readonly Limiter[]) {
    if (limiters.length === 0) throw new Error('A gate needs at least one limit');
    this.limiters = limiters;
    this.#only = limiters.length === 1 ? limiters[0] : undefined;
  }

  /**
   * Admits, sheds or queues a request; synchronous and one small allocation when a slot is free.
   *
   * @example
   * const admission = ballast.limits.gate(['search']).admit();
   * if (typeof admission === 'function') { run(); admission(); }
   */
  admit(): Admission {
    const limiters = this.limiters;
    for (let i = 0; i < limiters.length; i++) {
      const result = (limiters[i] as Limiter).acquire();
      if (result === ADMITTED) continue;
      if (result instanceof Waiter) return new QueuedTicket(this, i, result);
      this.rollback(i);
      return result;
    }
    return this.holding();
  }

  /** A release for a request that holds every limit of the gate. */
  protected holding(): Release {
    const only = this.#only;
    let held = true;
    if (only !== undefined) {
      return () => {
        if (held) only.release();
        held = false;
      };
    }
    return () => {
      if (held) this.releaseHeld(this.limiters.length);
      held = false;
    };
  }

  /** Undoes the admissions of the limits before `stage` (a later one shed the request). */
  rollback(stage: number): void {
    for (let j = stage - 1; j >= 0; j--) (this.limiters[j] as Limiter).rollback();
  }

  /** Releases the slots held in the limits before `stage`. */
  releaseHeld(stage: number): void {
    for (let j = stage - 1; j >= 0; j--) (this.limiters[j] as Limiter).release();
  }
}

const WAITING = 0;
const HOLDING = 1;
const DONE = 2;

/** A request queued at `stage`: it waits there, then takes the remaining limits in order. */
class QueuedTicket implements Queued {
  readonly admitted: Promise<boolean | Shed>;
  #state: typeof WAITING | typeof HOLDING | typeof DONE = WAITING;
  #stage: number;
  #waiter: Waiter | null;
  readonly #gate: Gate;

  /** Leaves the queue while waiting, gives the slots back once admitted; idempotent. */
  readonly release: Release;

  constructor(gate: Gate, stage: number, waiter: Waiter) {
    this.#gate = gate;
    this.#stage = stage;
    this.#waiter = waiter;
    this.release = this.#releaser();
    this.admitted = this.#wait();
  }

  /**
   * The release, as a closure returned unnamed: the bundle keeps function names, and
   * an arrow in a class field would get an `Object.defineProperty` of its name on
   * every queued request.
   */
  #releaser(): Release {
    return () => {
      const state = this.#state;
      this.#state = DONE;
      if (state === HOLDING) this.#gate.releaseHeld(this.#gate.limiters.length);
      else if (state === WAITING && this.#waiter !== null) (this.#gate.limiters[this.#stage] as Limiter).cancel(this.#waiter);
    };
  }

  async #wait(): Promise<boolean | Shed> {
    const gate = this.#gate;
    const limiters = gate.limiters;
    for (;;) {
      const verdict: Shed | null | typeof CANCELLED = await (this.#waiter as Waiter).promise;
      this.#waiter = null;
      if (verdict === CANCELLED) {
        gate.releaseHeld(this.#stage);
        return false;
      }
      if (verdict !== null) {
        gate.rollback(this.#stage);
        this.#state = DONE;
        return verdict;
      }
      // Admitted at `stage` now; the client may have left while the admission was on its way.
      if (this.#state === DONE) {
        gate.releaseHeld(this.#stage + 1);
        return false;
      }
      for (this.#stage++; this.#stage < limiters.length; this.#stage++) {
        const result = (limiters[this.#stage] as Limiter).acquire();
        if (result === ADMITTED) continue;
        if (result instanceof Waiter) {
          this.#waiter = result;
          break;
        }
        gate.rollback(this.#stage);
        this.#state = DONE;
        return result;
      }
      if (this.#waiter !== null) continue;
      this.#state = HOLDING;
      return true;
    }
  }
}
