import type { SafeEmitter } from '../events/index.js';
import type { Logger } from '../util/logger.js';
import type { Flag } from './flag.js';
import type { FlagState } from './settings.js';
import { GUARD_ACTOR, type FlagAction, type FlagEvents, type FlagRollback, type FlagView } from './types.js';

type LastRollback = NonNullable<NonNullable<FlagView['guard']>['lastRollback']>;
type Observed = { observedValue: number | null; observedUnit: string | undefined };

/**
 * What the guards leave behind on each flag: until when it is watched, and its last
 * rollback (shown by `GET /flags/:name` and as a `/health` warning until the flag is
 * changed again). A rollback is recorded when it is applied, here or from the fleet store.
 */
export class GuardLedger {
  readonly #rollbacks = new Map<string, LastRollback>();
  readonly #watching = new Map<string, number>();
  /** What the guard saw, kept until its rollback is applied. */
  readonly #observed = new Map<string, Observed>();
  readonly #deps: { events: SafeEmitter<FlagEvents>; logger: Logger };

  constructor(deps: { events: SafeEmitter<FlagEvents>; logger: Logger }) {
    this.#deps = deps;
  }

  /** Watched until `untilMs` (epoch), or no longer watched. */
  markWatching(name: string, untilMs: number | undefined): void {
    if (untilMs === undefined) this.#watching.delete(name);
    else this.#watching.set(name, untilMs);
  }

  watchingUntil(name: string): number | undefined {
    return this.#watching.get(name);
  }

  /** What the guard saw, reported with the rollback when it is applied. */
  noteObserved(name: string, observed: Observed): void {
    this.#observed.set(name, observed);
  }

  lastRollback(name: string): LastRollback | null {
    return this.#rollbacks.get(name) ?? null;
  }

  /** Flags stepped back by their guard and not changed by anyone since. */
  rolledBack(): Record<string, LastRollback> {
    return Object.fromEntries(this.#rollbacks);
  }

  /**
   * A change was applied: a guard's rollback is recorded and emitted as `flag:rolled-back`;
   * any other change clears it. One read from the fleet store at start (`initial`) is
   * recorded for `/health` but not announced: it happened before this instance ran, at `at`.
   */
  applied(flag: Flag, action: FlagAction, from: FlagState, to: FlagState, change: { version: number; initial: boolean; at?: string | undefined }): void {
    const { version, initial } = change;
    if (action !== 'flag.guard-rollback') {
      this.#rollbacks.delete(flag.name);
      // A guard that saw a failure but lost to this change has nothing left to report.
      this.#observed.delete(flag.name);
      return;
    }
    const observed = this.#observed.get(flag.name) ?? { observedValue: null, observedUnit: undefined };
    this.#observed.delete(flag.name);
    const guard = flag.guard === undefined ? '' : typeof flag.guard === 'string' ? flag.guard : flag.guard.expression;
    const rollback: FlagRollback = { name: flag.name, from, to, version, actor: GUARD_ACTOR, guard, ...observed };
    this.#rollbacks.set(flag.name, { from, to, version, guard, ...observed, at: change.at ?? new Date().toISOString() });
    if (initial) return;
    this.#deps.logger.warn(rollback, 'ballast: flag rolled back by its guard');
    this.#deps.events.emit('flag:rolled-back', rollback);
  }
}
