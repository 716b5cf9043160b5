import type { Database } from '../store/index.js';
import type { Logger } from '../../util/logger.js';
import { supervise, type Supervised } from './supervisor.js';

/** Rows deleted per statement: short transactions, never a long lock on the table. */
const BATCH = 1000;

export interface PrunerOptions {
  /** The database and schema, once ready (awaited on every round, so an outage only delays pruning). */
  database: () => Promise<{ db: Database; schema: string }>;
  /** How long a row is kept. */
  retentionMs: number;
  /** Deletes up to `batch` rows older than `retentionMs`; returns how many. */
  prune: (db: Database, schema: string, retentionMs: number, batch: number) => Promise<number>;
  /** What is pruned, for the log. */
  what: string;
  logger: Logger;
}

/**
 * Keeps a table of remembered rows from growing without end: every
 * `retentionMs / 2` (at least every 10 minutes) deletes the rows older than
 * `retentionMs`, a batch at a time. Supervised: a database outage delays
 * pruning, never crashes the process.
 */
export function startPruner({ database, retentionMs, prune, what, logger }: PrunerOptions): Supervised {
  const intervalMs = Math.min(Math.max(retentionMs / 2, 250), 600_000);
  return supervise(
    async (signal, healthy) => {
      while (!signal.aborted) {
        const { db, schema } = await database();
        let total = 0;
        for (let deleted = BATCH; deleted === BATCH && !signal.aborted; total += deleted) {
          deleted = await prune(db, schema, retentionMs, BATCH);
        }
        if (total > 0) logger.debug?.({ deleted: total }, `ballast: pruned old ${what}`);
        healthy();
        await pause(intervalMs, signal);
      }
    },
    { crashed: () => {}, restarted: () => {} },
    logger,
    { minDelayMs: 1000, maxDelayMs: 60_000 },
  );
}

const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
