import { DeliveryError, PermanentDeliveryError } from './errors.js';
import type { Deliver } from './types.js';

export interface HttpDestinationOptions {
  /** Longest one POST may take, in milliseconds. Default `10000`. */
  timeoutMs?: number;
  /** Extra headers on every request (e.g. authorization). Default none. */
  headers?: Record<string, string>;
}

/** Statuses worth retrying: the downstream is busy or broken, not refusing the message. */
const isRetryable = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** `Retry-After` as milliseconds from now: delay-seconds or an HTTP-date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * A destination that POSTs each payload as JSON, as it is, to `url`, with
 * `Idempotency-Key`, `Ballast-Destination`, `Ballast-Key` and
 * `Ballast-Attempt` headers. 2xx is delivered; 408, 429, 5xx and network
 * errors are retried (honouring `Retry-After`); any other status is permanent.
 *
 * @example
 * createBallast({ outbox: { destinations: {
 *   billing: { deliver: httpDestination('http://billing.internal/events', { timeoutMs: 5000 }) },
 * } } });
 */
export function httpDestination(url: string, options: HttpDestinationOptions = {}): Deliver {
  const target = new URL(url).toString(); // throws now, at configuration, for a malformed URL
  const timeoutMs = options.timeoutMs ?? 10_000;
  const extra = options.headers ?? {};
  return async (message, signal) => {
    const controller = new AbortController();
    const abort = (): void => controller.abort(signal.reason);
    signal.addEventListener('abort', abort);
    const timer = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const headers: Record<string, string> = {
      ...extra,
      'content-type': 'application/json',
      'idempotency-key': message.idempotencyKey,
      'ballast-destination': message.destination,
      'ballast-attempt': String(message.attempt),
    };
    if (message.key !== undefined) headers['ballast-key'] = message.key;
    let response: Response;
    try {
      if (signal.aborted) abort();
      response = await fetch(target, { method: 'POST', headers, body: JSON.stringify(message.payload), signal: controller.signal });
      // Read the body so the keep-alive connection returns to the pool.
      await response.arrayBuffer();
    } catch (error) {
      const reason = controller.signal.aborted ? (controller.signal.reason as unknown) : error;
      const text = reason instanceof Error ? reason.message : String(reason);
      throw new DeliveryError(`POST ${target} failed: ${text}`, { cause: error });
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', abort);
    }
    if (response.status >= 200 && response.status < 300) return;
    if (isRetryable(response.status)) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      throw new DeliveryError(`POST ${target} answered ${response.status}`, {
        httpStatus: response.status,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    throw new PermanentDeliveryError(`POST ${target} answered ${response.status}`, { httpStatus: response.status });
  };
}
