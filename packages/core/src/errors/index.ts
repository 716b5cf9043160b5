/**
 * Every error Ballast throws on purpose is a `BallastError` with a stable `code`.
 * The guards compare the code, not the class, so they still work when two copies
 * of `@ballast/core` end up installed side by side.
 */
export class BallastError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Whether `error` carries Ballast error `code` (by value, so it survives duplicate installs). */
export const hasCode = (error: unknown, code: string): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;

/** Invalid options passed to `createBallast` (or to a factory); `field` names the offending path. */
export class BallastConfigError extends BallastError {
  static readonly code = 'BALLAST_CONFIG';
  readonly field: string;
  /** The message without the field name. */
  readonly detail: string;

  constructor(field: string, detail: string) {
    super(BallastConfigError.code, `Invalid Ballast config: ${field}: ${detail}`);
    this.field = field;
    this.detail = detail;
  }
}
export const isBallastConfigError = (e: unknown): e is BallastConfigError => hasCode(e, BallastConfigError.code);

/** A settings change (admin API, `limits.update`, fleet store) that fails validation. Nothing was changed. */
export class InvalidSettingsError extends BallastError {
  static readonly code = 'BALLAST_INVALID_SETTINGS';
  readonly field: string;
  /** The message without the field name. */
  readonly detail: string;

  constructor(field: string, detail: string) {
    super(InvalidSettingsError.code, `${field}: ${detail}`);
    this.field = field;
    this.detail = detail;
  }
}
export const isInvalidSettingsError = (e: unknown): e is InvalidSettingsError =>
  hasCode(e, InvalidSettingsError.code);

/** A name (limit, dependency, destination) that was never configured. */
export class UnknownNameError extends BallastError {
  static readonly code = 'BALLAST_UNKNOWN_NAME';
  readonly kind: string;
  readonly target: string;

  constructor(kind: string, target: string) {
    super(UnknownNameError.code, `Unknown ${kind} "${target}"`);
    this.kind = kind;
    this.target = target;
  }
}
export const isUnknownNameError = (e: unknown): e is UnknownNameError => hasCode(e, UnknownNameError.code);

/** An optimistic-concurrency check failed: the caller's version is stale. */
export class VersionConflictError extends BallastError {
  static readonly code = 'BALLAST_VERSION_CONFLICT';
  readonly currentVersion: number;

  constructor(currentVersion: number) {
    super(VersionConflictError.code, `Version conflict: current version is ${currentVersion}`);
    this.currentVersion = currentVersion;
  }
}
export const isVersionConflictError = (e: unknown): e is VersionConflictError =>
  hasCode(e, VersionConflictError.code);
