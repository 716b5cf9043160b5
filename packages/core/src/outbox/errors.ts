import { BallastError, hasCode } from '../errors/index.js';

/**
 * A destination's `maxPending` is reached: nothing was stored. It carries the
 * `status`/`headers`/`expose` properties that Express and Koa both honour, so a
 * handler that lets it propagate answers `503` with `Retry-After` in either framework.
 */
export class OutboxFullError extends BallastError {
  static readonly code = 'BALLAST_OUTBOX_FULL';
  readonly destination: string;
  readonly maxPending: number;
  /** HTTP status for frameworks that read `err.status` (Express, Koa). */
  readonly status = 503;
  readonly statusCode = 503;
  readonly expose = true;
  readonly headers: Record<string, string> = { 'Retry-After': '1' };

  constructor(destination: string, maxPending: number) {
    super(OutboxFullError.code, `Outbox destination "${destination}" already holds ${maxPending} pending messages (maxPending)`);
    this.destination = destination;
    this.maxPending = maxPending;
  }
}
export const isOutboxFullError = (e: unknown): e is OutboxFullError => hasCode(e, OutboxFullError.code);

/**
 * A payload (or key, or option) that cannot be stored: not JSON-serialisable,
 * too large, or something PostgreSQL would refuse. Nothing was stored, no
 * query was sent. Like `OutboxFullError` it carries `status`/`expose`, so a
 * handler that lets it propagate answers `400` in Express and Koa: bad input
 * from a client is never reported as an outage.
 */
export class InvalidPayloadError extends BallastError {
  static readonly code = 'BALLAST_OUTBOX_INVALID_PAYLOAD';
  /** The offending argument: `payload`, `key`, `idempotencyKey`, `delayMs` or `client`. */
  readonly field: string;
  /** HTTP status for frameworks that read `err.status` (Express, Koa). */
  readonly status = 400;
  readonly statusCode = 400;
  readonly expose = true;

  constructor(field: string, detail: string, options?: { cause?: unknown }) {
    super(InvalidPayloadError.code, `Invalid outbox message: ${field}: ${detail}`, options);
    this.field = field;
  }
}
export const isInvalidPayloadError = (e: unknown): e is InvalidPayloadError => hasCode(e, InvalidPayloadError.code);

/** The outbox's database could not be reached; the call changed nothing. */
export class OutboxUnavailableError extends BallastError {
  static readonly code = 'BALLAST_OUTBOX_UNAVAILABLE';
  constructor(cause: unknown) {
    super(OutboxUnavailableError.code, 'The outbox database is unavailable', { cause });
  }
}
export const isOutboxUnavailableError = (e: unknown): e is OutboxUnavailableError =>
  hasCode(e, OutboxUnavailableError.code);

/**
 * Thrown by a `deliver` function for a failure worth retrying (timeouts, 5xx,
 * 429). `retryAfterMs` (from `Retry-After`) sets the least wait before the next attempt.
 */
export class DeliveryError extends BallastError {
  static readonly code = 'BALLAST_DELIVERY_FAILED';
  readonly retryAfterMs: number | undefined;
  /** The downstream's HTTP status, when there was one. */
  readonly httpStatus: number | undefined;

  constructor(message: string, options: { retryAfterMs?: number; httpStatus?: number; cause?: unknown } = {}) {
    super(DeliveryError.code, message, { cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
    this.httpStatus = options.httpStatus;
  }
}
export const isDeliveryError = (e: unknown): e is DeliveryError => hasCode(e, DeliveryError.code);

/** Thrown by a `deliver` function when retrying cannot help (a 4xx other than 408/429): the message goes dead at once. */
export class PermanentDeliveryError extends BallastError {
  static readonly code = 'BALLAST_DELIVERY_REJECTED';
  readonly httpStatus: number | undefined;

  constructor(message: string, options: { httpStatus?: number; cause?: unknown } = {}) {
    super(PermanentDeliveryError.code, message, { cause: options.cause });
    this.httpStatus = options.httpStatus;
  }
}
export const isPermanentDeliveryError = (e: unknown): e is PermanentDeliveryError =>
  hasCode(e, PermanentDeliveryError.code);
