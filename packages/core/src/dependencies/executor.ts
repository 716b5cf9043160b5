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

type Action = (signal: AbortSignal, fn: DependencyCall<unknown>) => Promise<unknown>;
const action: Action = async (signal, fn) => fn(signal);
const NEVER_ABORTED = new AbortController().signal;
/**
 * Every error is "filtered" as far as opossum knows, so it never runs its failure path:
 * that path recomputes the whole window's statistics (every latency in it, sorted) on
 * each failed call, only to compare against a volume threshold set out of reach. `run`
 * classifies the error instead. Opossum still counts the call and its latency.
 */
const ANSWERED = (): boolean => true;

/**
 * Runs admitted calls through an opossum breaker: its timeout and its rolling
 * statistics (latency percentiles); errors are classified here. Opossum's own
 * open/half-open logic is kept out of the way (an unreachable volume threshold):
 * `BreakerMachine` decides admission, because opossum lets one probe at most,
 * counts fast-failed calls into the error rate, and lets a late success from an
 * old call close the breaker. Opossum aborts one shared controller on any
 * timeout, so each call gets its own `AbortController` here instead.
 */
export class OpossumExecutor {
  readonly #breaker: CircuitBreaker<[AbortSignal, DependencyCall<unknown>], unknown>;
  readonly #name: string;
  readonly #timeoutMs: number;
  readonly #errorFilter: ErrorFilter | undefined;

  constructor(name: string, settings: DependencySettings, errorFilter: ErrorFilter | undefined, previous?: OpossumExecutor) {
    this.#name = name;
    this.#timeoutMs = settings.timeoutMs;
    this.#errorFilter = errorFilter;
    const window = { rollingCountTimeout: settings.rollingWindowMs, rollingCountBuckets: settings.rollingBuckets };
    const carried = previous === undefined ? undefined : previous.#breaker.toJSON();
    this.#breaker = new CircuitBreaker(action, {
      name,
      timeout: settings.timeoutMs,
      volumeThreshold: Number.MAX_SAFE_INTEGER,
      enableSnapshots: false,
      ...window,
      errorFilter: ANSWERED,
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
    try {
      return { kind: 'success', value: (await this.#breaker.fire(controller?.signal ?? NEVER_ABORTED, fn)) as T };
    } catch (error) {
      if (isOpossumTimeout(error)) {
        const timeout = new DependencyTimeoutError(this.#name, this.#timeoutMs);
        controller?.abort(timeout);
        return { kind: 'timeout', error: timeout };
      }
      return { kind: this.#isAnswer(error) ? 'filtered' : 'failure', error };
    }
  }

  /** The user's `errorFilter` said this error is an answer; a filter that throws counts it as a failure. */
  #isAnswer(error: unknown): boolean {
    if (this.#errorFilter === undefined || isOpossumError(error)) return false;
    try {
      return this.#errorFilter(error);
    } catch {
      return false;
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
