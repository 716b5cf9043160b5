import type { Outbox } from './outbox.js';
import type { DesyncOptions, DesyncResult } from './types.js';
import { uuidv7 } from './ids.js';
import { checkMessageOptions, serialisePayload } from './validate.js';

/** Default bound of a `direct-first` attempt on the request path. */
const DIRECT_TIMEOUT_MS = 2000;

/**
 * Hands a write to the outbox from a request handler. `buffer-first` stores
 * it and lets the worker deliver; `direct-first` tries the destination now,
 * through its breaker, and stores the message when that fails, times out, or
 * the breaker is open — or when an earlier message of the same key is still
 * pending, since delivering now would overtake it.
 * Throws `OutboxFullError` (503 in both adapters) when the message cannot be stored.
 * A direct delivery also reports how long its attempt took (`durationMs`, for the event).
 */
export async function desync(
  outbox: Outbox,
  destination: string,
  payload: unknown,
  options: DesyncOptions = {},
): Promise<DesyncResult & { durationMs?: number }> {
  const mode = options.mode ?? 'buffer-first';
  const enqueueOptions = {
    ...(options.key === undefined ? {} : { key: options.key }),
    ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
  };
  if (mode === 'buffer-first') {
    const stored = await outbox.enqueue(destination, payload, enqueueOptions);
    return { status: 'queued', id: stored.id, idempotencyKey: stored.idempotencyKey };
  }
  const runtime = outbox.runtime(destination);
  const checked = checkMessageOptions(enqueueOptions);
  const json = serialisePayload(payload, Number.POSITIVE_INFINITY);
  const idempotencyKey = checked.idempotencyKey ?? uuidv7();
  const queue = async (): Promise<DesyncResult> => {
    const stored = await outbox.enqueue(destination, payload, { ...enqueueOptions, idempotencyKey });
    return { status: 'queued', id: stored.id, idempotencyKey: stored.idempotencyKey };
  };
  if (runtime.breaker.allowance === 0) return queue();
  if (checked.key !== undefined && (await outbox.pendingForKey(destination, checked.key))) return queue();

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('direct delivery timed out')), options.timeoutMs ?? DIRECT_TIMEOUT_MS);
  const message = { id: undefined, destination, key: checked.key, idempotencyKey, payload: JSON.parse(json) as unknown, attempt: 1 };
  const startedAt = performance.now();
  try {
    await runtime.attemptNow(message, controller.signal);
  } catch {
    return queue();
  } finally {
    clearTimeout(timer);
  }
  return { status: 'delivered', idempotencyKey, durationMs: performance.now() - startedAt };
}
