import { LastGoodCache } from './cache.js';
import { DependencyOpenError } from './errors.js';
import { OpossumExecutor, type DependencyCall, type ErrorFilter, type Outcome } from './executor.js';
import { BreakerMachine, type BreakerStateName, type Ticket, type TransitionListener } from './machine.js';
import type { DependencySettings } from './settings.js';
import { DependencyCounters, type DependencyStats } from './stats.js';

/** Options of one read. */
export interface ReadOptions<T> {
  /** Answers when the call fails, times out or the breaker is open; gets the reason. Default: none (the error is thrown). */
  fallback?: (error: unknown) => T | Promise<T>;
  /** Remembers each good value under this key and serves it, before `fallback`, when the call cannot answer. Default: none. */
  cacheKey?: string;
}

/** Where a read's value came from: `live` from the dependency, else a degraded answer. */
export type ReadSource = 'live' | 'stale' | 'fallback';

export interface ReadResult<T> {
  value: T;
  source: ReadSource;
}

const NO_OPTIONS: ReadOptions<never> = Object.freeze({});
const valueOf = <T>(result: ReadResult<T>): T => result.value;
const isThenable = <T>(value: T | PromiseLike<T>): value is PromiseLike<T> =>
  typeof (value as { then?: unknown } | null | undefined)?.then === 'function';

/** A dependency behind a breaker, with fallbacks and last good values. */
export class Dependency {
  readonly name: string;
  #settings: DependencySettings;
  #version = 1;
  /** Created on first call (opossum runs a bucket timer per breaker), dropped by `shutdown`. */
  #executor: OpossumExecutor | undefined;
  readonly #machine: BreakerMachine;
  readonly #cache: LastGoodCache;
  readonly #errorFilter: ErrorFilter | undefined;
  readonly #now: () => number;
  readonly #counters = new DependencyCounters();
  #openReason: DependencyOpenError | undefined;

  constructor(
    name: string,
    settings: DependencySettings,
    options: { errorFilter?: ErrorFilter | undefined; onTransition?: TransitionListener; now?: () => number } = {},
  ) {
    this.name = name;
    this.#settings = settings;
    this.#errorFilter = options.errorFilter;
    this.#now = options.now ?? Date.now;
    this.#cache = new LastGoodCache(settings.cacheMaxEntries, settings.cacheMaxAgeMs);
    this.#machine = new BreakerMachine(settings, this.#now(), options.onTransition);
  }

  get settings(): Readonly<DependencySettings> {
    return this.#settings;
  }

  /** Bumped by every retune. */
  get version(): number {
    return this.#version;
  }

  get state(): BreakerStateName {
    return this.#machine.state(this.#now()).kind;
  }

  get stats(): DependencyStats {
    return this.#counters.snapshot(this.#machine.window(this.#now()), this.#executor?.stats);
  }

  /** Reads answered degraded (last good value or fallback). */
  get degraded(): number {
    return this.#counters.stale + this.#counters.fallbacks;
  }

  /**
   * Calls `fn` through the breaker; when it fails, times out or the breaker is
   * open, answers with the last good value for `cacheKey`, else `fallback`, else throws.
   * A half-open probe never holds up a read that has either: the read answers with
   * it at once and the probe starts detached right after, deciding the breaker on its own.
   *
   * @example
   * const profile = await ballast.dependency('profiles').read((signal) => fetchProfile(id, { signal }), {
   *   fallback: () => ({ name: 'guest' }),
   *   cacheKey: `profile:${id}`,
   * });
   */
  read<T>(fn: DependencyCall<T>, options: ReadOptions<T> = NO_OPTIONS): Promise<T> {
    return this.execute(fn, options).then(valueOf);
  }

  /**
   * `read`, also telling where the value came from (the request scope marks degraded responses with it).
   * Not `async`: a read the open breaker answers costs one settled promise, not a chain of
   * them (a quarter of the garbage per read, and no extra turns of the microtask queue).
   */
  execute<T>(fn: DependencyCall<T>, options: ReadOptions<T> = NO_OPTIONS): Promise<ReadResult<T>> {
    const now = this.#now();
    const ticket = this.#machine.admit(now);
    if (ticket === undefined) {
      this.#counters.rejected++;
      return this.#degrade(this.#openError(), options, true);
    }
    if (ticket.probe) {
      // A probe may wait out the whole timeout. When this read can be answered
      // without the dependency, answer now and let the probe decide the breaker
      // on its own: the user never waits for a dependency the breaker thinks is down.
      // The probe starts on the next turn of the event loop, once this answer is on
      // its way: the call's own synchronous start (a connect, a TLS context) is not
      // this reader's to pay either.
      const hit = options.cacheKey === undefined ? undefined : this.#cache.get(options.cacheKey, now);
      if (hit?.found === true || options.fallback !== undefined) {
        setImmediate(() => void this.#run(ticket, fn, options.cacheKey));
        return this.#degrade(this.#openError(), options, true, hit);
      }
    }
    return this.#call(ticket, fn, options);
  }

  /** An admitted read that waits for its call. */
  async #call<T>(ticket: Ticket, fn: DependencyCall<T>, options: ReadOptions<T>): Promise<ReadResult<T>> {
    const outcome = await this.#run(ticket, fn, options.cacheKey);
    switch (outcome.kind) {
      case 'success':
        return { value: outcome.value, source: 'live' };
      case 'filtered':
        // The dependency answered; the answer is the caller's to handle.
        throw outcome.error;
      case 'timeout':
      case 'failure':
        return this.#degrade(outcome.error, options);
    }
  }

  /** One shared reason for fallbacks: capturing a stack on every fast-failed read cost more than all the rest of the open path. */
  #openError(): DependencyOpenError {
    return (this.#openReason ??= new DependencyOpenError(this.name));
  }

  /**
   * Runs an admitted call and records its outcome: counters, the breaker (a filtered
   * error is an answer, so it counts as a success) and the last good value. Never rejects.
   */
  async #run<T>(ticket: Ticket, fn: DependencyCall<T>, cacheKey: string | undefined): Promise<Outcome<T>> {
    this.#counters.calls++;
    this.#counters.inFlight++;
    this.#executor ??= new OpossumExecutor(this.name, this.#settings, this.#errorFilter);
    const outcome = await this.#executor.run(fn);
    this.#counters.inFlight--;
    const now = this.#now();
    this.#machine.report(ticket, outcome.kind === 'success' || outcome.kind === 'filtered', now);
    if (outcome.kind === 'success') {
      this.#counters.successes++;
      if (cacheKey !== undefined) this.#cache.set(cacheKey, outcome.value, now);
    } else if (outcome.kind === 'filtered') this.#counters.filtered++;
    else if (outcome.kind === 'timeout') this.#counters.timeouts++;
    else this.#counters.failures++;
    return outcome;
  }

  /**
   * The last good value, else the fallback, else the error (a thrown open error is always fresh). `hit`: a lookup already made.
   * A fallback that answers synchronously is not awaited: that would cost a promise and a turn per degraded read.
   */
  #degrade<T>(
    reason: unknown,
    options: ReadOptions<T>,
    open = false,
    hit = options.cacheKey === undefined ? undefined : this.#cache.get(options.cacheKey, this.#now()),
  ): Promise<ReadResult<T>> {
    if (hit?.found === true) {
      this.#counters.stale++;
      return Promise.resolve({ value: hit.value as T, source: 'stale' });
    }
    const fallback = options.fallback;
    if (fallback === undefined) return Promise.reject(open ? new DependencyOpenError(this.name) : reason);
    let value: T | Promise<T>;
    try {
      value = fallback(reason);
    } catch (error) {
      return Promise.reject(error);
    }
    if (isThenable(value)) return Promise.resolve(value).then((settled) => this.#fellBack(settled));
    return Promise.resolve(this.#fellBack(value));
  }

  #fellBack<T>(value: T): ReadResult<T> {
    this.#counters.fallbacks++;
    return { value, source: 'fallback' };
  }

  /** Applies validated settings, keeping the breaker's state, window and counters. */
  configure(settings: DependencySettings): void {
    const previous = this.#executor;
    if (previous !== undefined) {
      this.#executor = new OpossumExecutor(this.name, settings, this.#errorFilter, previous);
      previous.shutdown();
    }
    this.#cache.resize(settings.cacheMaxEntries, settings.cacheMaxAgeMs);
    this.#machine.configure(settings, this.#now());
    this.#settings = settings;
    this.#version++;
  }

  /** Stops background timers (opossum's bucket rotation) and forgets cached values. */
  shutdown(): void {
    this.#executor?.shutdown();
    this.#executor = undefined;
    this.#cache.clear();
  }
}
