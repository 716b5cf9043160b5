import { registerAdminErrorStatus } from '../admin/errors.js';
import { BallastError, hasCode } from '../errors/index.js';

/** A flag name that was never configured (`flags.enabled`, `req.ballast.flag`, the admin API). */
export class UnknownFlagError extends BallastError {
  static readonly code = 'BALLAST_UNKNOWN_FLAG';
  readonly flag: string;

  constructor(flag: string) {
    super(UnknownFlagError.code, `Unknown flag "${flag}": declare it in createBallast({ flags })`);
    this.flag = flag;
  }
}
export const isUnknownFlagError = (e: unknown): e is UnknownFlagError => hasCode(e, UnknownFlagError.code);

/** `promote` past the widest step or `rollback` past the narrowest (admin: 409). */
export class FlagStepError extends BallastError {
  static readonly code = 'BALLAST_FLAG_NO_STEP';
  readonly flag: string;
  readonly direction: 'promote' | 'rollback';

  constructor(flag: string, direction: 'promote' | 'rollback') {
    const where = direction === 'promote' ? 'wider than' : 'narrower than';
    super(FlagStepError.code, `Flag "${flag}" has no step ${where} its current state`);
    this.flag = flag;
    this.direction = direction;
  }
}
export const isFlagStepError = (e: unknown): e is FlagStepError => hasCode(e, FlagStepError.code);

/** Maps the flags' errors to HTTP; called when a registry is created (the package has no import side effects). */
export function registerFlagErrorStatuses(): void {
  registerAdminErrorStatus(UnknownFlagError.code, 404);
  registerAdminErrorStatus(FlagStepError.code, 409);
}
