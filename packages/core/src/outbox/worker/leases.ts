import { setMaxListeners } from 'node:events';
import type { DestinationRuntime } from '../destination.js';
import type { ClaimedRow } from '../sql/index.js';
import type { AbortReason } from './delivery.js';

/** Part of the lease kept back so a delivery aborted at lease end still has time to record its outcome. */
const LEASE_ABORT_FRACTION = 0.9;

/**
 * The rows of one claim. They share one lease clock, so one timer and one
 * signal (not one per message: an AbortController per delivery was ~5 µs of
 * CPU) abort whatever of the batch still runs near the lease's end or at
 * shutdown. No row of a batch starts after it aborted: rows start within the
 * first half of the lease, and not at all once the worker stops. The signal
 * takes any number of listeners without a warning (a batch may run hundreds
 * of deliveries, each free to listen).
 */
export class LeaseBatch {
  /** `performance.now()` just before the claim was sent: the lease started no earlier. */
  readonly claimedAt: number;
  /** Made at the first start: a batch given back unstarted needs none. */
  #controller: AbortController | undefined;
  #running = 0;
  readonly #timer: NodeJS.Timeout;
  #open: number;

  constructor(size: number, claimedAt: number, leaseMs: number) {
    this.claimedAt = claimedAt;
    this.#open = size;
    const abortInMs = claimedAt + leaseMs * LEASE_ABORT_FRACTION - performance.now();
    this.#timer = setTimeout(() => this.abort('lease'), Math.max(1, abortInMs));
  }

  /** A row of this batch starts; its signal aborts at the lease's end or on shutdown. */
  begin(): AbortSignal {
    this.#running++;
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      setMaxListeners(0, this.#controller.signal);
    }
    return this.#controller.signal;
  }

  /** A row of this batch is settled (delivered, retried, given back); `started` if it had begun. */
  end(started: boolean): void {
    if (started) this.#running--;
    if (--this.#open === 0) clearTimeout(this.#timer);
  }

  /** Every row of the batch is settled. */
  get done(): boolean {
    return this.#open === 0;
  }

  /** Aborts the rows running now (none may start after). */
  abort(reason: AbortReason): void {
    if (this.#running > 0) this.#controller?.abort(reason);
  }
}

/** A claimed row waiting in the worker's local queue for a free slot. */
export interface QueuedRow {
  destination: DestinationRuntime;
  row: ClaimedRow;
  batch: LeaseBatch;
}
