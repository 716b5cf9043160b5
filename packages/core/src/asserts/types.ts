import type { AssertDefinition } from './options.js';
import type { Comparison } from './parse.js';
import type { CompiledSignal } from './signals.js';

export type AssertStatus = 'pass' | 'warn' | 'fail';

/** What `GET /asserts` shows for one assert. */
export interface AssertView {
  name: string;
  expression: string;
  minSamples: number;
  status: AssertStatus;
  /** In `observedUnit`; `null` without data. */
  observedValue: number | null;
  observedUnit: string | undefined;
  /** Requests the value rests on, for signals where that matters. */
  samples: number | undefined;
  /** Why the status is `warn`, when it is. */
  output?: string;
  /** ISO-8601 time of the last evaluation; `null` before the first. */
  checkedAt: string | null;
}

export interface AssertTransition {
  name: string;
  expression: string;
  observedValue: number | null;
  observedUnit: string | undefined;
}

export interface AssertEvents {
  /** An assert went from passing (or no verdict) to failing; readiness now fails. */
  'assert:failed': AssertTransition;
  /** A failing assert passes again. */
  'assert:recovered': AssertTransition;
}

export interface Compiled extends AssertDefinition {
  signal: CompiledSignal;
  op: Comparison;
  threshold: number;
  view: AssertView;
  /** The last verdict reached (a `warn` in between keeps it), for transition events. */
  verdict?: 'pass' | 'fail';
}
