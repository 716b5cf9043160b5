import type { FlagReason } from './flag.js';
import type { FlagState } from './settings.js';

/** Who is asking, outside a request: `ring` defaults to the instance's `stage`; no `key` draws a random bucket. */
export interface FlagContext {
  stage?: string | undefined;
  key?: string | undefined;
}

/** A decision with its reason, for callers that report why (the OpenFeature provider). */
export interface FlagEvaluation {
  name: string;
  value: boolean;
  reason: FlagReason;
  /** The ring the decision used, as given (a ring not in `stages` is decided as the widest). */
  ring: string;
  /** The bucket (1..100), only when `reason` is `bucket`. */
  bucket?: number;
  /** The state the decision used. */
  state: FlagState;
  version: number;
}

export type FlagAction = 'flag.update' | 'flag.promote' | 'flag.rollback' | 'flag.revert' | 'flag.guard-rollback';

/** The audit actor of a rollback made by a flag's guard. */
export const GUARD_ACTOR = 'guard';

export interface FlagChange {
  name: string;
  before: FlagState;
  after: FlagState;
  version: number;
  actor: string;
  action: FlagAction;
}

/** A guard stepped a flag back (on the instance whose guard failed; in fleet mode, on every instance that applies it). */
export interface FlagRollback {
  name: string;
  from: FlagState;
  to: FlagState;
  version: number;
  actor: typeof GUARD_ACTOR;
  /** The guard's expression. */
  guard: string;
  /** What the guard saw; `null` on instances that only applied another instance's rollback. */
  observedValue: number | null;
  observedUnit: string | undefined;
}

export interface FlagEvents {
  /** Every change of a flag's state on this instance, whoever made it (admin, code, guard, the fleet store). */
  'flag:changed': FlagChange;
  /** A flag's guard failed after a change that widened it; the flag stepped back to its state before the change (audit actor `guard`). In fleet mode every instance that applies the rollback emits it; one that reads it from the store at start does not. */
  'flag:rolled-back': FlagRollback;
}

/** What `GET /flags/:name` shows. */
export interface FlagView {
  name: string;
  state: FlagState;
  version: number;
  /** `code` while the state is the one the code declared; `override` after a runtime change. */
  source: 'code' | 'override';
  /** Evaluations on this instance since start, per ring. */
  evaluations: Record<string, { on: number; off: number }>;
  guard?: {
    expression: string;
    windowMs: number;
    /** ISO-8601 end of the current watch, or `null` when not watching. */
    watchingUntil: string | null;
    lastRollback: (Omit<FlagRollback, 'name' | 'actor'> & { at: string }) | null;
  };
}
