import { BallastError, hasCode } from '../errors/index.js';

/** The breaker is open (or its half-open probes are taken) and the read had no fallback or last good value. */
export class DependencyOpenError extends BallastError {
  static readonly code = 'BALLAST_DEPENDENCY_OPEN';
  readonly dependency: string;

  constructor(dependency: string) {
    super(DependencyOpenError.code, `Dependency "${dependency}" is unavailable: its breaker is open`);
    this.dependency = dependency;
  }
}
export const isDependencyOpenError = (e: unknown): e is DependencyOpenError => hasCode(e, DependencyOpenError.code);

/** A call took longer than `timeoutMs`; its `AbortSignal` fired with this error as the reason. */
export class DependencyTimeoutError extends BallastError {
  static readonly code = 'BALLAST_DEPENDENCY_TIMEOUT';
  readonly dependency: string;
  readonly timeoutMs: number;

  constructor(dependency: string, timeoutMs: number) {
    super(DependencyTimeoutError.code, `Dependency "${dependency}" did not answer within ${timeoutMs} ms`);
    this.dependency = dependency;
    this.timeoutMs = timeoutMs;
  }
}
export const isDependencyTimeoutError = (e: unknown): e is DependencyTimeoutError =>
  hasCode(e, DependencyTimeoutError.code);
