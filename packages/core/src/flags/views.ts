import type { Flag } from './flag.js';
import type { GuardLedger } from './ledger.js';
import type { FlagView } from './types.js';

/** What `GET /flags/:name` shows of one flag on this instance. */
export function flagView(flag: Flag, stages: readonly string[], guards: GuardLedger): FlagView {
  const evaluations: FlagView['evaluations'] = {};
  stages.forEach((ring, i) => (evaluations[ring] = { on: flag.counts[i * 2] ?? 0, off: flag.counts[i * 2 + 1] ?? 0 }));
  const view: FlagView = { name: flag.name, state: { ...flag.state }, version: flag.version, source: flag.overridden ? 'override' : 'code', evaluations };
  if (flag.guard !== undefined) {
    const until = guards.watchingUntil(flag.name);
    view.guard = {
      expression: typeof flag.guard === 'string' ? flag.guard : flag.guard.expression,
      windowMs: flag.guardWindowMs,
      watchingUntil: until === undefined ? null : new Date(until).toISOString(),
      lastRollback: guards.lastRollback(flag.name),
    };
  }
  return view;
}
