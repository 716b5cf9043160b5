import type { SqlClient } from '../../outbox/store/index.js';
import { deleteOlderThan } from '../../outbox/sql/prune.js';

/**
 * Deletes up to `batch` ids recorded before `retentionMs` ago (database clock),
 * oldest first along the `seen_at` index; returns how many. Rows another
 * instance's pruner holds are skipped, so pruners never wait on each other.
 */
export const pruneDedupe = (client: SqlClient, schema: string, retentionMs: number, batch: number): Promise<number> =>
  deleteOlderThan(client, `${schema}.message_dedupe`, 'seen_at', retentionMs, batch);
