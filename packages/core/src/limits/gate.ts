import { ADMITTED, CANCELLED, Waiter, type Limiter, type Shed } from './limiter.js';

/** The request's lifetime as the gate sees it: a node `ServerResponse` fits. */
export interface ResponseLifetime {
  /** True once the response finished or the client went away. */
  readonly closed: boolean;
  on(event: 'close', listener: () => void): unknown;
}

/** Go on to the handler: the slots are held until the response closes. */
export const PROCEED = 0 as const;
/** The client went away before admission: answer nothing. */
export const DROP = 1 as const;

export type Admission = typeof PROCEED | typeof DROP | Shed;

/**
 * Admission through one or several limits in order (e.g. a global `api` limit,
 * then a route's `search` limit). A request holds all of them or none: when a
 * later limit sheds it, the slots it took earlier are given back at once.
 * Slots are released when the response closes (finished or client gone).
 */
export class Gate {
  readonly limiters: readonly Limiter[];
  readonly #releaseAll: () => void;

  constructor(limiters: readonly Limiter[]) {
    if (limiters.length === 0) throw new Error('A gate needs at least one limit');
    this.limiters = limiters;
    const only = limiters.length === 1 ? (limiters[0] as Limiter) : undefined;
    this.#releaseAll =
      only !== undefined
        ? () => only.release()
        : () => {
            for (const limiter of limiters) limiter.release();
          };
  }

  /** Admits now (`PROCEED`), sheds now (a `Shed`), or returns a promise when the request must queue. */
  enter(res: ResponseLifetime): Admission | Promise<Admission> {
    if (res.closed) return DROP;
    const limiters = this.limiters;
    for (let i = 0; i < limiters.length; i++) {
      const result = (limiters[i] as Limiter).acquire();
      if (result === ADMITTED) continue;
      if (result instanceof Waiter) return this.#wait(res, i, result);
      this.#rollback(i);
      return result;
    }
    res.on('close', this.#releaseAll);
    return PROCEED;
  }

  #rollback(held: number): void {
    for (let j = held - 1; j >= 0; j--) (this.limiters[j] as Limiter).rollback();
  }

  async #wait(res: ResponseLifetime, stage: number, first: Waiter): Promise<Admission> {
    const limiters = this.limiters;
    let index = stage;
    let waiter: Waiter | null = first;
    let admitted = false;
    res.on('close', () => {
      if (admitted) this.#releaseAll();
      else if (waiter !== null) (limiters[index] as Limiter).cancel(waiter);
    });
    for (;;) {
      if (res.closed) (limiters[index] as Limiter).cancel(waiter);
      const verdict: Shed | null | typeof CANCELLED = await waiter.promise;
      waiter = null;
      if (verdict === CANCELLED) {
        this.#releaseHeld(index);
        return DROP;
      }
      if (verdict !== null) {
        this.#rollback(index);
        return verdict;
      }
      // Admitted by limiters[index]; take the remaining ones in order.
      for (index++; index < limiters.length; index++) {
        const result = (limiters[index] as Limiter).acquire();
        if (result === ADMITTED) continue;
        if (result instanceof Waiter) {
          waiter = result;
          break;
        }
        this.#rollback(index);
        return result;
      }
      if (waiter !== null) continue;
      if (res.closed) {
        // The client left while we were being admitted: give everything back.
        this.#releaseAll();
        return DROP;
      }
      admitted = true;
      return PROCEED;
    }
  }

  /** Releases the slots held before `index` by a request whose client went away while queued. */
  #releaseHeld(index: number): void {
    for (let j = index - 1; j >= 0; j--) (this.limiters[j] as Limiter).release();
  }
}
