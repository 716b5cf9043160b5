import type { FlagRegistry } from '../flags/index.js';
import type { Family, Sample } from './families.js';

/** Sums a flag's per-ring counters for one result (`[ring * 2]` on, `[ring * 2 + 1]` off). */
function total(counts: Float64Array, offset: number): number {
  let sum = 0;
  for (let i = offset; i < counts.length; i += 2) sum += counts[i] as number;
  return sum;
}

/** `ballast_flag_evaluations_total{flag,result}`, and each flag's stage (ring index, -1 off) and percent as gauges. */
export function flagFamilies(flags: FlagRegistry): Family[] {
  const perFlag = (value: (name: string) => number): Sample[] => flags.names().map((flag) => ({ labels: { flag }, value: value(flag) }));
  return [
    {
      name: 'ballast_flag_evaluations_total',
      help: 'Feature flag evaluations on this instance, by result.',
      type: 'counter',
      unit: '{evaluation}',
      collect: () =>
        flags.names().flatMap((flag) => {
          const counts = flags.get(flag).counts;
          return [
            { labels: { flag, result: 'on' }, value: total(counts, 0) },
            { labels: { flag, result: 'off' }, value: total(counts, 1) },
          ];
        }),
    },
    {
      name: 'ballast_flag_stage',
      help: 'The ring a feature flag has reached: its index in rollout.stages (0 = narrowest), -1 when off.',
      type: 'gauge',
      unit: '1',
      collect: () => perFlag((name) => flags.stages.indexOf(flags.get(name).state.stage)),
    },
    {
      name: 'ballast_flag_percent',
      help: 'The share (0..100) of its ring a feature flag is on for.',
      type: 'gauge',
      unit: '%',
      collect: () => perFlag((name) => flags.get(name).state.percent),
    },
  ];
}
