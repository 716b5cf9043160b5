import {
  isBallastConfigError,
  isInvalidSettingsError,
  isUnknownNameError,
  isVersionConflictError,
  type BallastError,
} from '../errors/index.js';
import { jsonReply, type Reply } from '../http/types.js';

/** Status codes for errors that features may throw from admin handlers, keyed by error code. */
const statusByCode = new Map<string, number>();

/** Lets a feature map its own error code to an HTTP status (e.g. an outage to 503). */
export function registerAdminErrorStatus(code: string, status: number): void {
  statusByCode.set(code, status);
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
  const status = typeof code === 'string' ? statusByCode.get(code) : undefined;
  if (status !== undefined) {
    return jsonReply(status, { error: code, message: (error as Error).message });
  }
  return jsonReply(500, { error: 'internal', message: 'Internal error in the Ballast admin API' });
}
