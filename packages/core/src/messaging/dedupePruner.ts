import type { Database } from '../outbox/store/index.js';
import { supervise, type Supervised } from '../outbox/worker/supervisor.js';
import type { Logger } from '../util/logger.js';
import { sleep } from './broker.js';
import { pruneDedupe } from './sql/pruneDedupe.js';

/** Rows deleted per statement: short transactions, never a long lock on the table. */
const BATCH = 1000;

/**
 * Keeps `message_dedupe` from growing without end: every `retentionMs / 2`
 * (at most every 10 minutes) deletes the ids recorded more than `retentionMs`
 * ago, a batch at a time. Supervised: a database outage delays pruning,
 * never crashes the process.
 */
export function startDedupePruner(
  database: () => Promise<{ db: Database; schema: string }>,
  retentionMs: number,
  logger: Logger,
): Supervised {
  const intervalMs = Math.min(Math.max(retentionMs / 2, 250), 600_000);
  return supervise(
    async (signal, healthy) => {
      while (!signal.aborted) {
        const { db, schema } = await database();
        let total = 0;
        for (let deleted = BATCH; deleted === BATCH && !signal.aborted; total += deleted) {
          deleted = await pruneDedupe(db, schema, retentionMs, BATCH);
        }
        if (total > 0) logger.debug?.({ deleted: total }, 'ballast: pruned old message dedupe ids');
        healthy();
        await sleep(intervalMs, signal);
      }
    },
    { crashed: () => {}, restarted: () => {} },
    logger,
    { minDelayMs: 1000, maxDelayMs: 60_000 },
  );
}
