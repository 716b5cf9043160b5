import { completeMessages, type AckRef, type AdvancedRow } from '../sql/index.js';
import type { SqlClient } from '../store/index.js';
import type { OutcomeWriter } from './outcomes.js';

interface Waiting {
  ack: AckRef;
  advance: boolean;
  resolve(deleted: boolean): void;
  reject(error: unknown): void;
}

/**
 * Acknowledges delivered messages in batches: one DELETE for everything that
 * finished while the previous batch was being written. Under load the batches
 * grow by themselves; when idle each ack goes out at once. One round trip
 * (and one update of the delivered counter) per batch instead of per message.
 * A keyed ack may advance: lease its key's next message to this worker in the
 * same statement (see `completeMessages`); those rows go to `onAdvanced`,
 * which is awaited before the batch's acks resolve.
 */
export class AckBatcher {
  readonly #db: SqlClient;
  readonly #schema: string;
  readonly #workerId: string;
  readonly #writer: OutcomeWriter;
  readonly #leaseMs: number;
  readonly #onAdvanced: (rows: AdvancedRow[], sentAt: number) => Promise<void>;
  #queue: Waiting[] = [];
  /** Work that must see no ack in flight (see `between`), run before the next batch. */
  #between: Array<() => Promise<void>> = [];
  #flushing = false;

  constructor(
    db: SqlClient,
    schema: string,
    workerId: string,
    writer: OutcomeWriter,
    advancing: { leaseMs: number; onAdvanced: (rows: AdvancedRow[], sentAt: number) => Promise<void> },
  ) {
    this.#db = db;
    this.#leaseMs = advancing.leaseMs;
    this.#onAdvanced = advancing.onAdvanced;
    this.#writer = writer;
    this.#schema = schema;
    this.#workerId = workerId;
  }

  /**
   * Resolves true once deleted, false when the lease had passed to another worker. `advance`: for a keyed
   * message, lease the key's next message to this worker in the same statement.
   */
  complete(ack: AckRef, advance: boolean): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ ack, advance, resolve, reject });
      if (!this.#flushing) void this.#flush();
    });
  }

  /**
   * Runs `fn` while no ack is being written: after the batch in flight (whose advanced rows have been
   * handed to `onAdvanced` by then), before the next one. An ack that advances a key leases a row the
   * worker learns of only from its answer, so a release of "rows leased to this worker that it does
   * not hold" must not overlap one: it would give back a row about to be delivered.
   */
  between<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#between.push(() => fn().then(resolve, reject));
      if (!this.#flushing) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    while (this.#queue.length > 0 || this.#between.length > 0) {
      if (this.#between.length > 0) {
        const runs = this.#between;
        this.#between = [];
        for (const run of runs) await run();
        continue;
      }
      const batch = this.#queue;
      this.#queue = [];
      try {
        const acks = batch.map((w) => w.ack);
        const advance = { flags: batch.map((w) => w.advance), leaseMs: this.#leaseMs };
        const sentAt = performance.now();
        // Through an outage the batch waits here (and the next one grows behind it) until it is written.
        const { deleted, advanced } = await this.#writer.write('ack', () =>
          completeMessages(this.#db, this.#schema, this.#workerId, acks, advance),
        );
        if (advanced.length > 0) await this.#onAdvanced(advanced, sentAt);
        for (const w of batch) w.resolve(deleted.has(w.ack.id));
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    this.#flushing = false;
  }
}
