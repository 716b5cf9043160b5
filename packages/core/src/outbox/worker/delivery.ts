import type { SafeEmitter } from '../../events/index.js';
import type { Logger } from '../../util/logger.js';
import type { DestinationRuntime } from '../destination.js';
import { buryMessage, releaseMessage, rescheduleMessage, type AckRef, type ClaimedRow, type LeaseRef } from '../sql/index.js';
import type { Database } from '../store/index.js';
import type { OutboundMessage, OutboxEvents } from '../types.js';
import { isBreakerRefusal } from './breaker.js';
import { describeError, isPermanent, retryDelayMs } from './backoff.js';
import type { ResolvedWorker } from '../options.js';

/** Why a delivery's signal fired. */
export type AbortReason = 'lease' | 'shutdown';

export interface DeliveryContext {
  db: Database;
  schema: string;
  workerId: string;
  settings: ResolvedWorker;
  events: SafeEmitter<OutboxEvents>;
  logger: Logger;
  /** Asks the loop to look again after `delayMs` (a retry fell due). */
  wakeIn(delayMs: number): void;
  /** Writes an outcome, keeping it through a database outage (see `OutcomeWriter`). */
  write<T>(what: string, write: () => Promise<T>): Promise<T>;
  /** Deletes a delivered message (batched); false when the lease was lost. A keyed ack may lease the key's next message in the same statement. */
  complete(ack: AckRef, destination: DestinationRuntime): Promise<boolean>;
}

/**
 * Delivers one claimed message and settles it: delete on success, reschedule
 * with backoff on a transient failure, dead on a permanent one or after
 * `maxAttempts`, release unattempted when the breaker refused it or on
 * shutdown. Every settle is guarded by the lease; one that cannot be written
 * while the database is unreachable is kept and written when it is back; one
 * that still fails (the worker stopped first) is logged, and the lease's expiry
 * hands the message to another attempt. Calls `attempted` with the attempt's duration once it is over,
 * before the outcome is written, so the caller can start the next delivery meanwhile.
 * Never rejects.
 */
export async function deliverClaimed(
  ctx: DeliveryContext,
  destination: DestinationRuntime,
  row: ClaimedRow,
  signal: AbortSignal,
  attempted: (durationMs: number) => void = noop,
): Promise<void> {
  // Per delivery only what the path needs (this runs once per message): the message, and on success the
  // ack and, when someone listens, the event; the lease and the logged ids only on the paths that use them.
  const message: OutboundMessage = {
    id: row.id,
    destination: destination.name,
    key: row.key ?? undefined,
    idempotencyKey: row.idempotency_key,
    payload: row.payload,
    attempt: row.attempts,
  };
  try {
    let failure: { error: unknown } | undefined;
    const startedAt = performance.now();
    try {
      await destination.attempt(message, signal);
    } catch (error) {
      failure = { error };
    }
    const durationMs = performance.now() - startedAt;
    attempted(durationMs);
    if (failure === undefined) {
      const ack: AckRef = { id: row.id, workerId: ctx.workerId, attempt: row.attempts, rowId: row.row_id, leaseRow: row.lease_row };
      if (await ctx.complete(ack, destination)) {
        if (ctx.events.listenerCount('outbox:delivered') > 0) ctx.events.emit('outbox:delivered', outcome(destination, row, durationMs));
      } else ctx.logger.warn(outcome(destination, row, durationMs), 'ballast: delivered, but the lease had passed to another worker');
      return;
    }
    const { error } = failure;
    const lease: LeaseRef = { id: row.id, workerId: ctx.workerId, attempt: row.attempts };
    if ((signal.aborted && signal.reason === ('shutdown' satisfies AbortReason)) || isBreakerRefusal(error)) {
      await ctx.write('release', () => releaseMessage(ctx.db, ctx.schema, lease));
      return;
    }
    const text = signal.aborted ? 'delivery aborted: the lease ran out' : describeError(error);
    if (isPermanent(error) || row.attempts >= destination.settings.maxAttempts) {
      if (await ctx.write('dead', () => buryMessage(ctx.db, ctx.schema, lease, text)))
        ctx.events.emit('outbox:dead', { ...outcome(destination, row, durationMs), error: text });
      return;
    }
    const delayMs = retryDelayMs(row.attempts, ctx.settings.backoff, error);
    if (await ctx.write('retry', () => rescheduleMessage(ctx.db, ctx.schema, lease, delayMs, text))) {
      ctx.events.emit('outbox:retry', { ...outcome(destination, row, durationMs), delayMs, error: text });
      ctx.wakeIn(delayMs);
    }
  } catch (settleError) {
    const ids = { destination: destination.name, id: row.id, idempotencyKey: row.idempotency_key, attempt: row.attempts };
    ctx.logger.warn({ err: settleError, ...ids }, 'ballast: could not record a delivery outcome; the lease will expire and the message be retried');
  }
}

const noop = (): void => {};

/** What the outcome events carry about one attempt. */
function outcome(destination: DestinationRuntime, row: ClaimedRow, durationMs: number): OutboxEvents['outbox:delivered'] & { id: string } {
  return { destination: destination.name, id: row.id, idempotencyKey: row.idempotency_key, attempt: row.attempts, durationMs };
}
