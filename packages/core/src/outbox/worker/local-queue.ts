import type { ResolvedWorker } from '../options.js';
import type { QueuedRow } from './leases.js';

/** A queued row starts only within this part of its lease; later it is given back, unattempted. */
const START_WITHIN_LEASE = 0.5;
/** Claim ahead only what this part of the lease covers at the pace deliveries have been taking. */
const PREFETCH_LEASE_SHARE = 0.25;

/**
 * Claimed rows waiting for a free slot, and how many the worker should hold:
 * the running ones plus up to `batchSize` ahead — fewer when deliveries are
 * slow, so a queued row never waits long on its lease. Until one delivery
 * has finished nothing is claimed ahead.
 */
export class LocalQueue {
  readonly #settings: ResolvedWorker;
  #rows: QueuedRow[] = [];
  /** Moving average of how long an attempt holds its slot. */
  #averageMs: number | undefined;

  constructor(settings: ResolvedWorker) {
    this.#settings = settings;
  }

  get length(): number {
    return this.#rows.length;
  }

  push(row: QueuedRow): void {
    this.#rows.push(row);
  }

  /** The next row to start; rows that waited past half their lease are moved to `stale` on the way. */
  next(stale: QueuedRow[]): QueuedRow | undefined {
    const oldest = performance.now() - this.#settings.leaseMs * START_WITHIN_LEASE;
    for (let row = this.#rows.shift(); row !== undefined; row = this.#rows.shift()) {
      if (row.batch.claimedAt >= oldest) return row;
      stale.push(row);
    }
    return undefined;
  }

  takeAll(): QueuedRow[] {
    return this.#rows.splice(0);
  }

  /** Records how long an attempt held its slot. */
  observe(ms: number): void {
    this.#averageMs = this.#averageMs === undefined ? ms : this.#averageMs + (ms - this.#averageMs) / 8;
  }

  /** How many more rows to claim now, given `held` started rows whose outcome is not written yet. */
  room(held: number): number {
    return this.#capacity() - held - this.#rows.length;
  }

  /** Claim again once this much room opened: big claims, yet before the queue runs dry. */
  lowWater(): number {
    return Math.max(1, Math.ceil(Math.min(this.#settings.batchSize, this.#capacity()) / 2));
  }

  #capacity(): number {
    const { concurrency, batchSize, leaseMs } = this.#settings;
    if (this.#averageMs === undefined) return concurrency;
    const startable = Math.floor((concurrency * leaseMs * PREFETCH_LEASE_SHARE) / Math.max(this.#averageMs, 0.01));
    return concurrency + Math.min(batchSize, startable);
  }
}
