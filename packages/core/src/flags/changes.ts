import type { AuditLog } from '../admin/audit.js';
import type { SafeEmitter } from '../events/index.js';
import type { Logger } from '../util/logger.js';
import type { Flag } from './flag.js';
import type { GuardLedger } from './ledger.js';
import type { FlagState } from './settings.js';
import { GUARD_ACTOR, type FlagAction, type FlagChange, type FlagEvents } from './types.js';

export interface FlagChangeOptions {
  /** Who made the change, for the audit log. Default `code`. */
  actor?: string;
  /** Apply only if the flag is still at this version, or one of these (`If-Match`). */
  ifVersion?: number | readonly number[];
}

/** A change as the guards see it: `initial` for the state read from the fleet store at start (not a fresh change). */
export type FlagChangeListener = (change: FlagChange, initial: boolean) => void;

export const sameState = (a: FlagState, b: FlagState): boolean => a.stage === b.stage && a.percent === b.percent;

const ACTIONS: ReadonlySet<string> = new Set<FlagAction>(['flag.update', 'flag.promote', 'flag.rollback', 'flag.revert', 'flag.guard-rollback']);

/**
 * The audit action of a change applied from the fleet store: the one its writer
 * stored (a promote through another instance is a `flag.promote` here too), else
 * what the row itself says. A stored action is checked: it comes from the database.
 */
export function storedAction(stored: string | undefined, patch: unknown, actor: string): FlagAction {
  if (stored !== undefined && ACTIONS.has(stored)) return stored as FlagAction;
  if (patch === null) return 'flag.revert';
  return actor === GUARD_ACTOR ? 'flag.guard-rollback' : 'flag.update';
}

/**
 * Applies one change of a flag's state and tells everyone who keeps track: the
 * audit log, the log, `flag:changed`, the guards' ledger and the change listeners.
 */
export class FlagChanges {
  readonly #stages: readonly string[];
  readonly #deps: { audit: AuditLog; events: SafeEmitter<FlagEvents>; logger: Logger };
  readonly #ledger: GuardLedger;
  readonly #listeners: FlagChangeListener[] = [];

  constructor(stages: readonly string[], ledger: GuardLedger, deps: { audit: AuditLog; events: SafeEmitter<FlagEvents>; logger: Logger }) {
    this.#stages = stages;
    this.#ledger = ledger;
    this.#deps = deps;
  }

  /** Called for every applied change (the guards start and stop watches here). */
  onChange(listener: FlagChangeListener): void {
    this.#listeners.push(listener);
  }

  /**
   * Moves `flag` to `target` at `version`; the version moves even when the state does not (a stored
   * change of nothing). `at`: when the change was made, for one read from the fleet store (default: now).
   */
  apply(flag: Flag, target: FlagState, change: { actor: string; action: FlagAction; version: number; initial: boolean; at?: string | undefined }): void {
    const { actor, action, version } = change;
    const before = { ...flag.state };
    const after = { stage: target.stage, percent: target.percent };
    flag.version = version;
    if (sameState(before, after)) return;
    flag.setState(after, this.#stages);
    const applied: FlagChange = { name: flag.name, before, after, version, actor, action };
    this.#deps.audit.record({ actor, action, target: flag.name, before, after });
    this.#deps.logger.info({ flag: flag.name, actor, action, before, after, version }, 'ballast: flag changed');
    this.#deps.events.emit('flag:changed', applied);
    this.#ledger.applied(flag, action, before, after, { version, initial: change.initial, at: change.at });
    for (const listener of this.#listeners) listener(applied, change.initial);
  }
}
