import CircuitBreaker from 'opossum';
import { DependencyTimeoutError } from './errors.js';
import type { DependencySettings } from './settings.js';

/**
 * The call a handler makes to its dependency; it should stop when `signal` fires.
 * A function that declares no parameter gets a signal that never fires: creating
 * an `AbortController` is the largest cost of a healthy read, so it is skipped
 * when nobody can listen.
 */
export type DependencyCall<T> = (signal: AbortSignal) => T | Promise<T>;

/** Decides which errors are answers rather than failures (a 404, say): they reach the caller unchanged. */
export type ErrorFilter = (error: unknown) => boolean;

/** How one admitted call ended. */
export type Outcome<T> =
  | { readonly kind: 'success'; readonly value: T }
  | { readonly kind: 'failure' | 'timeout' | 'filtered'; readonly error: unknown };

/** Per-call scratch that opossum hands back to our `errorFilter` (it passes the call's arguments along). */
interface CallContext {
  signal: AbortSignal;
  filtered: boolean;
}

type Action = (context: CallContext, fn: DependencyCall<unknown>) => Promise<unknown>;
const action: Action = async (context, fn) => fn(context.signal);
const NEVER_ABORTED = new AbortController().signal;

/**
 * Runs admitted calls through an opossum breaker: its timeout, its error
 * classification and its rolling statistics (latency percentiles). Opossum's own
 * open/half-open logic is kept out of the way (an unreachable volume threshold):
 * `BreakerMachine` decides admission, because opossum lets one probe at most,
 * counts fast-failed calls into the error rate, and lets a late success from an
 * old call close the breaker. Opossum aborts one shared controller on any
 * timeout, so each call gets its own `AbortController` here instead.
 */
export class OpossumExecutor {
  readonly #breaker: CircuitBreaker<[CallContext, DependencyCall<unknown>], unknown>;
  readonly #name: string;
  readonly #timeoutMs: number;

  constructor(name: string, settings: DependencySettings, errorFilter: ErrorFilter | undefined, previous?: OpossumExecutor) {
    this.#name = name;
    this.#timeoutMs = settings.timeoutMs;
    const window = { rollingCountTimeout: settings.rollingWindowMs, rollingCountBuckets: settings.rollingBuckets };
    const carried = previous === undefined ? undefined : previous.#breaker.toJSON();
    this.#breaker = new CircuitBreaker(action, {
      name,
      timeout: settings.timeoutMs,
      volumeThreshold: Number.MAX_SAFE_INTEGER,
      enableSnapshots: false,
      ...window,
      // Opossum passes the call's arguments after the error; its typings omit them.
      errorFilter: ((error: Error, context: CallContext) =>
        (context.filtered = errorFilter !== undefined && !isOpossumError(error) && errorFilter(error))) as unknown as (
        error: Error,
      ) => boolean,
      // A retune starts from the old breaker's window and state, not from zero.
      ...(carried === undefined
        ? {}
        : { state: carried.state, status: CircuitBreaker.newStatus({ ...window, enableSnapshots: false, stats: carried.status }) }),
    });
  }

  /** Opossum's rolling statistics (fires, latency percentiles) over the window. */
  get stats(): CircuitBreaker.Stats {
    return this.#breaker.stats;
  }

  async run<T>(fn: DependencyCall<T>): Promise<Outcome<T>> {
    const controller = fn.length === 0 ? undefined : new AbortController();
    const context: CallContext = { signal: controller?.signal ?? NEVER_ABORTED, filtered: false };
    try {
      return { kind: 'success', value: (await this.#breaker.fire(context, fn)) as T };
    } catch (error) {
      if (isOpossumTimeout(error)) {
        const timeout = new DependencyTimeoutError(this.#name, this.#timeoutMs);
        controller?.abort(timeout);
        return { kind: 'timeout', error: timeout };
      }
      return { kind: context.filtered ? 'filtered' : 'failure', error };
    }
  }

  /** Stops opossum's bucket timer. Calls still running settle normally (their timeouts are their own). */
  shutdown(): void {
    this.#breaker.shutdown();
  }
}

/** Opossum's own errors (timeout) are never handed to the user's filter. */
const isOpossumError = (error: unknown): error is Error => error instanceof Error && CircuitBreaker.isOurError(error);
const isOpossumTimeout = (error: unknown): boolean =>
  isOpossumError(error) && (error as { code?: unknown }).code === 'ETIMEDOUT';
