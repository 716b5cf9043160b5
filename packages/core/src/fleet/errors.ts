import { registerAdminErrorStatus } from '../admin/errors.js';
import { BallastError, hasCode } from '../errors/index.js';

/**
 * The fleet store (PostgreSQL) could not take a change. The change was applied
 * nowhere: refusing it beats retuning one instance while the others keep the old value.
 */
export class FleetStoreUnavailableError extends BallastError {
  static readonly code = 'BALLAST_FLEET_STORE_UNAVAILABLE';

  constructor(cause: unknown) {
    super(
      FleetStoreUnavailableError.code,
      'The fleet settings store is unreachable; the change was not applied anywhere. Retry once the database is back.',
      { cause },
    );
  }
}
export const isFleetStoreUnavailableError = (e: unknown): e is FleetStoreUnavailableError =>
  hasCode(e, FleetStoreUnavailableError.code);

/** Maps the fleet's errors to HTTP; called when a fleet is created (no import side effects: the package is `sideEffects: false`). */
export function registerFleetErrorStatuses(): void {
  registerAdminErrorStatus(FleetStoreUnavailableError.code, 503);
}
