import { BallastError, hasCode } from '../errors/index.js';

/** A message that is not a flat map of strings, finite numbers, booleans and nulls; no broker saw it. */
export class InvalidMessageError extends BallastError {
  static readonly code = 'BALLAST_INVALID_MESSAGE';
  /** The offending key (`''` when the message itself is not a plain object). */
  readonly key: string;

  constructor(key: string, detail: string) {
    super(InvalidMessageError.code, key === '' ? `Invalid message: ${detail}` : `Invalid message: key "${key}" ${detail}`);
    this.key = key;
  }
}
export const isInvalidMessageError = (e: unknown): e is InvalidMessageError => hasCode(e, InvalidMessageError.code);

/** No broker confirmed the message within `messaging.publishTimeoutMs`. */
export class PublishError extends BallastError {
  static readonly code = 'BALLAST_PUBLISH_FAILED';
  readonly topic: string;
  /** What each broker tried answered, by broker name (`skipped: ...` for those not tried). */
  readonly attempts: Record<string, string>;

  constructor(topic: string, attempts: Record<string, string>) {
    const detail = Object.entries(attempts)
      .map(([name, why]) => `${name}: ${why}`)
      .join('; ');
    super(PublishError.code, `No broker confirmed the message on "${topic}"${detail === '' ? ' (no broker configured)' : ` (${detail})`}`);
    this.topic = topic;
    this.attempts = attempts;
  }
}
export const isPublishError = (e: unknown): e is PublishError => hasCode(e, PublishError.code);
