import type { Database } from '../outbox/store/index.js';
import { startPruner } from '../outbox/worker/pruner.js';
import type { Supervised } from '../outbox/worker/supervisor.js';
import type { Logger } from '../util/logger.js';
import { pruneDedupe } from './sql/pruneDedupe.js';

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
  return startPruner({ database, retentionMs, prune: pruneDedupe, what: 'message dedupe ids', logger });
}
