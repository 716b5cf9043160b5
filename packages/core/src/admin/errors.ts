import {
  isBallastConfigError,
  isInvalidSettingsError,
  isUnknownNameError,
  isVersionConflictError,
  type BallastError,
} from '../errors/index.js';
import { jsonReply, type Reply } from '../http/types.js';

/** How a feature's error answers over HTTP: its status and the `error` word of the JSON body. */
interface ErrorAnswer {
  status: number;
  error: string;
}

/** Errors that features may throw from admin handlers or into a request handler, keyed by error code. */
const answerByCode = new Map<string, ErrorAnswer>();

const defaultWord = (status: number): string => (status === 503 ? 'unavailable' : status === 400 ? 'invalid' : status === 501 ? 'not_installed' : 'error');

/**
 * Lets a feature map its own error code to an HTTP status (e.g. an outage to 503) and
 * the `error` word of the body (default by status: `unavailable`, `invalid`, ...).
 */
export function registerAdminErrorStatus(code: string, status: number, error = defaultWord(status)): void {
  answerByCode.set(code, { status, error });
}

/** Fields of a Ballast error that the JSON answer carries, when the error has them. */
const DETAILS = ['limit', 'destination', 'dependency', 'field', 'packageName', 'broker', 'topic'] as const;

/**
 * A Ballast error that reached a request handler (`OutboxFullError` from `desync`,
 * `DependencyOpenError` from a read without fallback, ...) as the JSON answer both
 * adapters send, shaped like a shed answer: `{"error":"overloaded","destination":"billing","code":…,"message":…}`,
 * with `Retry-After` on a 503. `undefined` for any other error: the framework handles those.
 */
export function requestErrorReply(error: unknown): Reply | undefined {
  const code = (error as Partial<BallastError> | null)?.code;
  const answer = typeof code === 'string' ? answerByCode.get(code) : undefined;
  if (answer === undefined) return undefined;
  const source = error as unknown as Record<string, unknown>;
  const details = Object.fromEntries(DETAILS.filter((key) => typeof source[key] === 'string').map((key) => [key, source[key]]));
  const retryAfter = (source.headers as Record<string, string> | undefined)?.['Retry-After'] ?? '1';
  return jsonReply(answer.status, { error: answer.error, ...details, code, message: (error as Error).message }, answer.status === 503 ? { 'retry-after': retryAfter } : {});
}

/** The one place where errors become HTTP answers. */
export function errorReply(error: unknown): Reply {
  if (isInvalidSettingsError(error) || isBallastConfigError(error)) {
    return jsonReply(400, { error: 'invalid', field: error.field, message: error.detail });
  }
  if (isUnknownNameError(error)) {
    return jsonReply(404, { error: 'not_found', message: error.message });
  }
  if (isVersionConflictError(error)) {
    return jsonReply(412, { error: 'precondition_failed', message: error.message, version: error.currentVersion });
  }
  const code = (error as Partial<BallastError> | null)?.code;
  const answer = typeof code === 'string' ? answerByCode.get(code) : undefined;
  if (answer !== undefined) {
    return jsonReply(answer.status, { error: code, message: (error as Error).message });
  }
  return jsonReply(500, { error: 'internal', message: 'Internal error in the Ballast admin API' });
}
