import { isDeliveryError, isPermanentDeliveryError } from '../errors.js';

/** Longest `Retry-After` honoured, so a broken header cannot park a message for days. */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * The wait before attempt `attempt + 1`: exponential from `baseMs`, capped at
 * `maxMs`, with jitter over the upper half (so a burst of failures spreads out),
 * and never shorter than the downstream's `Retry-After`.
 */
export function retryDelayMs(attempt: number, backoff: { baseMs: number; maxMs: number }, error: unknown): number {
  const exponential = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(attempt - 1, 40));
  const jittered = Math.round(exponential / 2 + Math.random() * (exponential / 2));
  const retryAfterMs = isDeliveryError(error) ? error.retryAfterMs : undefined;
  return retryAfterMs === undefined ? jittered : Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}

/** Whether `error` means retrying cannot help. */
export const isPermanent = (error: unknown): boolean => isPermanentDeliveryError(error);

/** A short, log-safe description of a delivery failure, stored as `last_error`. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    // System codes (ECONNREFUSED) help an operator; Ballast's own add nothing to the message.
    const useful = typeof code === 'string' && !code.startsWith('BALLAST_') && !error.message.includes(code);
    const text = useful ? `${code}: ${error.message}` : error.message;
    return text.slice(0, 2000);
  }
  return String(error).slice(0, 2000);
}
