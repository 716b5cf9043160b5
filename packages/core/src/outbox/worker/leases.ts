import type { DestinationRuntime } from '../destination.js';
import type { ClaimedRow } from '../sql/index.js';
import type { AbortReason } from './delivery.js';

/** Part of the lease kept back so a delivery aborted at lease end still has time to record its outcome. */
const LEASE_ABORT_FRACTION = 0.9;

/**
 * The rows of one claim. They share one lease clock, so one timer (not one
 * per message) aborts whatever of the batch still runs near the lease's end.
 * Each running message has its own AbortController: a deliver function may
 * attach listeners to its signal freely.
 */
export class LeaseBatch {
  /** `performance.now()` just before the claim was sent: the lease started no earlier. */
  readonly claimedAt: number;
  readonly #running = new Set<AbortController>();
  readonly #timer: NodeJS.Timeout;
  #open: number;

  constructor(size: number, claimedAt: number, leaseMs: number) {
    this.claimedAt = claimedAt;
    this.#open = size;
    const abortInMs = claimedAt + leaseMs * LEASE_ABORT_FRACTION - performance.now();
    this.#timer = setTimeout(() => this.abort('lease'), Math.max(1, abortInMs));
  }

  /** A row of this batch starts; its signal aborts at the lease's end or on shutdown. */
  begin(): AbortController {
    const controller = new AbortController();
    this.#running.add(controller);
    return controller;
  }

  /** A row of this batch is settled (delivered, retried, given back); `controller` if it had begun. */
  end(controller?: AbortController): void {
    if (controller !== undefined) this.#running.delete(controller);
    if (--this.#open === 0) clearTimeout(this.#timer);
  }

  /** Every row of the batch is settled. */
  get done(): boolean {
    return this.#open === 0;
  }

  abort(reason: AbortReason): void {
    for (const controller of this.#running) controller.abort(reason);
  }
}

/** A claimed row waiting in the worker's local queue for a free slot. */
export interface QueuedRow {
  destination: DestinationRuntime;
  row: ClaimedRow;
  batch: LeaseBatch;
}
