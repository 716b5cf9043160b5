import type { AssertMonitor, GuardAssert, GuardWatch } from '../asserts/index.js';
import { asConfigError } from '../config.js';
import { isVersionConflictError } from '../errors/index.js';
import type { SettingsWriter } from '../limits/index.js';
import type { Logger } from '../util/logger.js';
import type { FlagRegistry } from './registry.js';
import type { FlagState } from './settings.js';
import { GUARD_ACTOR, type FlagChange } from './types.js';

/**
 * Writes a guard's step back: `true` when this write won, `false` when the flag
 * moved past `version` meanwhile (another instance's guard won, or someone changed it).
 * Throws when the write could not be made (the guard tries again on its next check).
 */
export type StepBack = (name: string, to: FlagState, version: number) => Promise<boolean>;

interface Watch {
  change: FlagChange;
  watch: GuardWatch;
  timer: NodeJS.Timeout;
  untilMs: number;
  busy: boolean;
}

/** The local step back: a compare-and-set on this instance's version. */
export function localStepBack(flags: FlagRegistry): StepBack {
  return async (name, to, version) => {
    try {
      flags.set(name, to, { actor: GUARD_ACTOR, ifVersion: version }, 'flag.guard-rollback');
      return true;
    } catch (error) {
      if (isVersionConflictError(error)) return false;
      throw error;
    }
  };
}

/**
 * Fleet mode: the step back is a compare-and-set on the stored version of the
 * change being watched, so when several instances' guards fail at once exactly one
 * write wins and one rollback is recorded for the fleet.
 */
export function storeStepBack(writer: Pick<SettingsWriter, 'override'>): StepBack {
  return async (name, to, version) => {
    try {
      await writer.override(name, to, { actor: GUARD_ACTOR, ifVersion: [version], action: 'flag.guard-rollback' });
      return true;
    } catch (error) {
      if (isVersionConflictError(error)) return false;
      throw error;
    }
  };
}

/**
 * Watches each guarded flag for its `guardWindowMs` after every change that widens
 * it, judging the guard over the requests since that change only. On a failure the
 * flag steps back to its state before the change, once, with actor `guard`.
 */
export class FlagGuards {
  readonly #flags: FlagRegistry;
  readonly #asserts: AssertMonitor;
  readonly #compiled = new Map<string, GuardAssert>();
  readonly #watches = new Map<string, Watch>();
  readonly #logger: Logger;
  #stepBack: StepBack;

  constructor(flags: FlagRegistry, asserts: AssertMonitor, logger: Logger) {
    this.#flags = flags;
    this.#asserts = asserts;
    this.#logger = logger;
    this.#stepBack = localStepBack(flags);
    for (const name of flags.names()) {
      const guard = flags.get(name).guard;
      if (guard !== undefined) this.#compiled.set(name, asConfigError(() => asserts.compileGuard(guard, `flags.${name}.guard`)));
    }
    flags.onChange((change, initial) => this.#changed(change, initial));
  }

  /** Fleet mode: step back through the store, so that exactly one instance's write wins. */
  useStepBack(stepBack: StepBack): void {
    this.#stepBack = stepBack;
  }

  /** Ends every watch (the instance stops). */
  stop(): void {
    for (const name of [...this.#watches.keys()]) this.#end(name);
  }

  #changed(change: FlagChange, initial: boolean): void {
    this.#end(change.name);
    const guard = this.#compiled.get(change.name);
    if (guard === undefined || initial || change.action === 'flag.guard-rollback' || !this.#flags.widens(change.before, change.after)) return;
    const untilMs = Date.now() + this.#flags.get(change.name).guardWindowMs;
    const watch: Watch = { change, watch: this.#asserts.watchGuard(guard), untilMs, busy: false, timer: setInterval(() => void this.#tick(watch), this.#asserts.evaluateIntervalMs) };
    watch.timer.unref();
    this.#watches.set(change.name, watch);
    this.#flags.guards.markWatching(change.name, untilMs);
  }

  async #tick(watch: Watch): Promise<void> {
    if (watch.busy) return;
    watch.busy = true;
    const { name, before, version } = watch.change;
    try {
      const view = await watch.watch.check();
      if (this.#watches.get(name) !== watch) return;
      if (view.status !== 'fail') {
        if (Date.now() >= watch.untilMs) this.#end(name);
        return;
      }
      this.#flags.guards.noteObserved(name, { observedValue: view.observedValue, observedUnit: view.observedUnit });
      const won = await this.#stepBack(name, before, version);
      if (!won) this.#logger.info({ flag: name, version }, 'ballast: guard failed, but the flag had already moved on');
      if (this.#watches.get(name) === watch) this.#end(name);
    } catch (error) {
      this.#logger.error({ err: error, flag: name }, 'ballast: guard could not step the flag back; trying again');
    } finally {
      watch.busy = false;
    }
  }

  #end(name: string): void {
    const watch = this.#watches.get(name);
    if (watch === undefined) return;
    clearInterval(watch.timer);
    watch.watch.close();
    this.#watches.delete(name);
    this.#flags.guards.markWatching(name, undefined);
  }
}
