import { claimMessages, lastClaimedKey, pruneKeyLeases, releaseOrphans, type ClaimedRow } from '../sql/index.js';
import type { Database } from '../store/index.js';

const CLAIM_TRANSACTION = { setLocal: 'jit = off' };

/** A key's lease row is deleted once its lease ended this long ago; the worker looks this often. */
const KEY_IDLE_MS = 60_000;

/**
 * What one worker has claimed: it sends the claims (each destination's walk
 * over its keys resumes after the key the last one ended on, so every key gets
 * its turn), and remembers every row it holds a lease on until its outcome is
 * written, so that after a lost connection it can give back the claims whose
 * answer never arrived (`releaseLost`).
 */
export class Claims {
  readonly #db: Database;
  readonly #schema: string;
  readonly #workerId: string;
  readonly #leaseMs: number;
  readonly #keyCursors = new Map<string, string | undefined>();
  readonly #held = new Set<string>();
  #prunedAt = performance.now();

  constructor(db: Database, schema: string, workerId: string, leaseMs: number) {
    this.#db = db;
    this.#schema = schema;
    this.#workerId = workerId;
    this.#leaseMs = leaseMs;
  }

  /** Leases up to `limit` ready messages of `destination`. */
  async claim(destination: string, limit: number): Promise<ClaimedRow[]> {
    const afterKey = this.#keyCursors.get(destination);
    const args = { destination, limit, workerId: this.#workerId, leaseMs: this.#leaseMs };
    // JIT off for the claim: the planner prices the key walk's 100 recursion steps far above
    // jit_above_cost, and compiling the plan took ~430 ms per claim (measured at 1M rows),
    // for a statement that runs in about 1 ms. SET LOCAL keeps the user's session untouched;
    // it goes with the BEGIN, so a claim is three round trips (BEGIN, claim, COMMIT), not four.
    const rows = await this.#db.transaction(
      (client) => claimMessages(client, this.#schema, afterKey === undefined ? args : { ...args, afterKey }),
      CLAIM_TRANSACTION,
    );
    if (rows.length > 0) this.#keyCursors.set(destination, lastClaimedKey(rows, afterKey));
    for (const row of rows) this.#held.add(row.id);
    return rows;
  }

  /** Every `KEY_IDLE_MS`, deletes the lease rows of keys idle that long (see `pruneKeyLeases`). */
  async pruneIdleKeys(): Promise<void> {
    if (performance.now() - this.#prunedAt < KEY_IDLE_MS) return;
    this.#prunedAt = performance.now();
    await pruneKeyLeases(this.#db, this.#schema, KEY_IDLE_MS);
  }

  /** Rows leased to this worker by other means than `claim` (an ack that advanced their keys): tracked the same way. */
  adopt(rows: readonly ClaimedRow[]): void {
    for (const row of rows) this.#held.add(row.id);
  }

  /** The row's outcome was written (or given up on): it is no longer ours to track. */
  settled(id: string): void {
    this.#held.delete(id);
  }

  /** Releases the rows leased to this worker that it does not hold: claims whose answer was lost with the connection. */
  releaseLost(): Promise<number> {
    return releaseOrphans(this.#db, this.#schema, this.#workerId, [...this.#held]);
  }
}
