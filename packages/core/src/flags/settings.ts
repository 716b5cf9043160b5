import { z } from 'zod';
import { assertSchema, type AssertInput } from '../asserts/index.js';
import { InvalidSettingsError } from '../errors/index.js';
import { intBetween, parseSettings } from '../settings/validate.js';

/** The rings of the default rollout, narrowest first. */
export const DEFAULT_STAGES: readonly string[] = ['internal', 'beta', 'all'];
/** The stage that turns a flag off for every ring. */
export const OFF = 'off';
/** How long a guard is watched after a widening change, by default, in ms. */
export const DEFAULT_GUARD_WINDOW_MS = 60_000;

/** A flag's state: on for rings before `stage`, and for `percent` of ring `stage` (by sticky bucket). `stage: 'off'` is off everywhere. */
export interface FlagState {
  stage: string;
  /** 0..100. */
  percent: number;
}

/** One flag, as the user writes it in `createBallast({ flags })`. */
export interface FlagDefinition {
  /** The ring the flag has reached (one of `rollout.stages`), or `'off'`. Required. */
  stage: string;
  /** Share (0..100) of ring `stage` that sees the flag on, by sticky bucket. Default `100`. */
  percent?: number;
  /** An assert expression watched after each widening change; a failure steps the flag back. */
  guard?: AssertInput;
  /** How long the guard is watched after a widening change, in ms. Default `60000`. */
  guardWindowMs?: number;
  /** The states promote and rollback walk, narrowest first. Default: internal 100, beta 10, beta 100, all 10, all 50, all 100. */
  steps?: { stage: string; percent?: number }[];
}

/** The default `steps` over the given rings: the first ring at 100, then each wider ring at 10 (the second), 100; the widest at 10, 50, 100. */
export function defaultSteps(stages: readonly string[]): FlagState[] {
  const steps: FlagState[] = [];
  stages.forEach((stage, i) => {
    const percents = i === 0 ? [100] : i === stages.length - 1 ? [10, 50, 100] : [10, 100];
    for (const percent of percents) steps.push({ stage, percent });
  });
  return steps;
}

/** The zod schemas that depend on the configured rings: constructor, admin API and fleet store share them. */
export function flagSchemas(stages: readonly string[]) {
  const stageMessage = `must be one of ${[...stages, OFF].map((s) => `"${s}"`).join(', ')}`;
  const stage = z.enum([OFF, ...stages] as [string, ...string[]], { error: stageMessage });
  const percent = intBetween(0, 100);
  const step = z.strictObject({ stage: z.enum(stages as [string, ...string[]], { error: `must be one of ${stages.map((s) => `"${s}"`).join(', ')}` }), percent: percent.default(100) });
  return {
    definition: z.strictObject({
      stage,
      percent: percent.default(100),
      guard: assertSchema.optional(),
      guardWindowMs: intBetween(100, 86_400_000).default(DEFAULT_GUARD_WINDOW_MS),
      steps: z.array(step).min(1, { error: 'must list at least one step' }).optional(),
    }),
    patch: z.strictObject({ stage: stage.optional(), percent: percent.optional() }),
  };
}

export interface ResolvedFlag {
  name: string;
  state: FlagState;
  guard: AssertInput | undefined;
  guardWindowMs: number;
  steps: FlagState[];
}

/** Validates one flag definition; throws `InvalidSettingsError` naming `flags.<name>.<field>`. */
export function parseFlagDefinition(name: string, input: unknown, stages: readonly string[]): ResolvedFlag {
  const field = `flags.${name}`;
  const parsed = parseSettings(flagSchemas(stages).definition, input, field);
  const steps = parsed.steps ?? defaultSteps(stages);
  const rank = ranker(stages);
  steps.forEach((step, i) => {
    if (i > 0 && rank(step) <= rank(steps[i - 1] as FlagState)) {
      throw new InvalidSettingsError(`${field}.steps.${i}`, 'must be wider than the step before it (steps go narrowest first)');
    }
  });
  return { name, state: { stage: parsed.stage, percent: parsed.percent }, guard: parsed.guard as AssertInput | undefined, guardWindowMs: parsed.guardWindowMs, steps };
}

/** Validates a change of state (`PATCH /flags/:name`, `flags.set`, a stored fleet override): only the given fields. */
export function parseFlagPatch(input: unknown, stages: readonly string[], fieldPrefix = ''): Partial<FlagState> {
  const parsed = parseSettings(flagSchemas(stages).patch, input, fieldPrefix);
  const out: Partial<FlagState> = {};
  if (parsed.stage !== undefined) out.stage = parsed.stage;
  if (parsed.percent !== undefined) out.percent = parsed.percent;
  return out;
}

/**
 * Orders states by how much they turn on: `off` first, then by ring, then by percent.
 * `internal 100` and `beta 0` cover the same requests and rank alike.
 */
export function ranker(stages: readonly string[]): (state: FlagState) => number {
  return (state) => (state.stage === OFF ? -1 : stages.indexOf(state.stage) * 100 + state.percent);
}
