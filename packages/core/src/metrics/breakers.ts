import type { DependencyRegistry } from '../dependencies/index.js';
import type { Family, Sample } from './families.js';

const STATES = ['closed', 'open', 'half-open'] as const;
const OUTCOMES = ['successes', 'failures', 'timeouts', 'filtered', 'rejected'] as const;
const OUTCOME_LABEL: Record<(typeof OUTCOMES)[number], string> = {
  successes: 'success',
  failures: 'failure',
  timeouts: 'timeout',
  filtered: 'filtered',
  rejected: 'rejected',
};

/** Breaker state (one series per state, 1 on the current one), calls by outcome, degraded reads. */
export function breakerFamilies(dependencies: DependencyRegistry): Family[] {
  const each = (fn: (name: string) => Sample[]): Sample[] => dependencies.names().flatMap(fn);
  return [
    {
      name: 'ballast_breaker_state',
      help: 'Circuit breaker state: 1 on the current state (closed, open, half_open).',
      type: 'gauge',
      unit: '1',
      collect: () =>
        each((dependency) => {
          const state = dependencies.get(dependency).state;
          return STATES.map((s) => ({ labels: { dependency, state: s.replace('-', '_') }, value: s === state ? 1 : 0 }));
        }),
    },
    {
      name: 'ballast_breaker_calls_total',
      help: 'Calls through the breaker by outcome (rejected: refused while open).',
      type: 'counter',
      unit: '{call}',
      collect: () =>
        each((dependency) => {
          const stats = dependencies.get(dependency).stats;
          return OUTCOMES.map((o) => ({ labels: { dependency, outcome: OUTCOME_LABEL[o] }, value: stats[o] }));
        }),
    },
    {
      name: 'ballast_degraded_reads_total',
      help: 'Reads answered degraded, by source (stale: last good value; fallback).',
      type: 'counter',
      unit: '{read}',
      collect: () =>
        each((dependency) => {
          const stats = dependencies.get(dependency).stats;
          return [
            { labels: { dependency, source: 'stale' }, value: stats.stale },
            { labels: { dependency, source: 'fallback' }, value: stats.fallbacks },
          ];
        }),
    },
  ];
}
