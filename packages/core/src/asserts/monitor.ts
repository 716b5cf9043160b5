import type { AuditLog } from '../admin/audit.js';
import { asConfigError } from '../config.js';
import type { SafeEmitter } from '../events/index.js';
import type { LimitRegistry } from '../limits/index.js';
import { WINDOW_SLOTS, type HttpObserver } from '../observe/index.js';
import type { Logger } from '../util/logger.js';
import { AssertEngine, checkAssertName } from './engine.js';
import type { AssertEvents, AssertView, Compiled } from './types.js';
import { LimitWindow } from './limitWindow.js';
import type { AssertInput } from './options.js';
import type { BreakerSource, OutboxSource } from './sources.js';

/** An assert compiled for a guard: judged only through `watchGuard`. */
export interface GuardAssert {
  readonly compiled: Compiled;
}

/** A guard being watched since a change. */
export interface GuardWatch {
  check(): Promise<AssertView>;
  close(): void;
}

export interface AssertMonitorDeps {
  observer: HttpObserver;
  limits: LimitRegistry;
  breakers?: BreakerSource | undefined;
  outbox?: OutboxSource | undefined;
  events: SafeEmitter<AssertEvents>;
  audit: AuditLog;
  logger: Logger;
}

/**
 * The asserts of one instance: compiled at construction (an invalid one throws
 * `BallastConfigError` naming `asserts.<name>` and the position), evaluated in
 * the background while the observer runs, and changeable at runtime.
 */
export class AssertMonitor {
  /** How often asserts are evaluated in the background, in ms (guards are checked as often). */
  readonly evaluateIntervalMs: number;
  readonly #engine: AssertEngine;
  readonly #observer: HttpObserver;
  #evaluating: Promise<AssertView[]> | undefined;

  constructor(definitions: Record<string, AssertInput>, evaluateIntervalMs: number, deps: AssertMonitorDeps) {
    this.evaluateIntervalMs = evaluateIntervalMs;
    this.#observer = deps.observer;
    const limitWindow = new LimitWindow(deps.limits, WINDOW_SLOTS);
    deps.observer.onRotate(() => limitWindow.snapshot());
    this.#engine = new AssertEngine(
      { observer: deps.observer, limits: deps.limits, limitWindow, breakers: deps.breakers, outbox: deps.outbox },
      deps,
    );
    for (const [name, input] of Object.entries(definitions)) {
      const compiled = asConfigError(() => this.#engine.compile(name, input, `asserts.${name}`));
      this.#engine.install(name, compiled);
    }
    deps.observer.every(evaluateIntervalMs, () => {
      this.evaluate().catch((error: unknown) => deps.logger.error({ err: error }, 'ballast: assert evaluation failed'));
    });
  }

  names(): string[] {
    return this.#engine.names();
  }

  has(name: string): boolean {
    return this.#engine.has(name);
  }

  /**
   * Adds or replaces an assert at runtime; invalid input throws `InvalidSettingsError` and changes nothing.
   *
   * @example
   * ballast.asserts.set('latency', 'p99(latency) < 80ms');
   */
  set(name: string, input: AssertInput | unknown, actor?: string): AssertView {
    return this.#engine.set(name, input, actor);
  }

  /** Validates like `set` and changes nothing (the fleet checks a change before storing it). */
  check(name: string, input: unknown): void {
    checkAssertName(name);
    this.#engine.compile(name, input, '');
  }

  /**
   * Compiles an assert that is not one of the declared ones (a flag's guard);
   * throws `InvalidSettingsError` naming `field` and the position.
   */
  compileGuard(input: unknown, field: string): GuardAssert {
    return { compiled: this.#engine.compile('guard', input, field) };
  }

  /**
   * Starts judging `guard` over the requests that begin from now on only; `check()`
   * answers its verdict so far, `close()` stops recording.
   */
  watchGuard(guard: GuardAssert): GuardWatch {
    const window = this.#observer.since();
    return { check: () => this.#engine.judgeWith(guard.compiled, window), close: () => window.close() };
  }

  /** Removes an assert; throws `UnknownNameError` when there is none by that name. */
  remove(name: string, actor?: string): void {
    this.#engine.remove(name, actor);
  }

  /** Evaluates every assert now (concurrent callers share one evaluation). */
  evaluate(): Promise<AssertView[]> {
    this.#evaluating ??= this.#engine.evaluate().finally(() => {
      this.#evaluating = undefined;
    });
    return this.#evaluating;
  }

  /**
   * One assert's current view, or `undefined` when there is none by that name. An
   * evaluation already running when the assert was set does not know it yet, so a
   * miss is retried once with the next evaluation.
   */
  async view(name: string): Promise<AssertView | undefined> {
    const find = async (): Promise<AssertView | undefined> => (await this.evaluate()).find((v) => v.name === name);
    return (await find()) ?? (this.has(name) ? find() : undefined);
  }
}
