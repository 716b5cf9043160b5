import { completeMessages, type LeaseRef } from '../sql/index.js';
import type { SqlClient } from '../store/index.js';
import type { OutcomeWriter } from './outcomes.js';

interface Waiting {
  lease: LeaseRef;
  leaseRow: string | null;
  resolve(deleted: boolean): void;
  reject(error: unknown): void;
}

/**
 * Acknowledges delivered messages in batches: one DELETE for everything that
 * finished while the previous batch was being written. Under load the batches
 * grow by themselves; when idle each ack goes out at once. One round trip
 * (and one update of the delivered counter) per batch instead of per message.
 */
export class AckBatcher {
  readonly #db: SqlClient;
  readonly #schema: string;
  readonly #workerId: string;
  readonly #writer: OutcomeWriter;
  #queue: Waiting[] = [];
  #flushing = false;

  constructor(db: SqlClient, schema: string, workerId: string, writer: OutcomeWriter) {
    this.#db = db;
    this.#writer = writer;
    this.#schema = schema;
    this.#workerId = workerId;
  }

  /** Resolves true once deleted, false when the lease had passed to another worker. `leaseRow`: its key's lease row, for a keyed message. */
  complete(lease: LeaseRef, leaseRow: string | null): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ lease, leaseRow, resolve, reject });
      if (!this.#flushing) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      try {
        const leases = batch.map((w) => w.lease);
        const leaseRows = batch.map((w) => w.leaseRow);
        // Through an outage the batch waits here (and the next one grows behind it) until it is written.
        const deleted = await this.#writer.write('ack', () => completeMessages(this.#db, this.#schema, this.#workerId, leases, leaseRows));
        for (const w of batch) w.resolve(deleted.has(w.lease.id));
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    this.#flushing = false;
  }
}
