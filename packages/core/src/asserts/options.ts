import { z } from 'zod';
import { intBetween, parseSettings } from '../settings/validate.js';

/** An assert: just the expression, or the expression with its own guard. */
export type AssertInput =
  | string
  | {
      /** e.g. `p99(latency) < 50ms`. */
      expression: string;
      /** Fewer requests than this in the window gives `warn` instead of a verdict. Default `10`. */
      minSamples?: number;
    };

export interface AssertDefinition {
  expression: string;
  minSamples: number;
}

export const DEFAULT_MIN_SAMPLES = 10;

/** The one schema for an assert: constructor and admin API. */
export const assertSchema = z.union(
  [
    z.string().min(1, { error: 'must be a non-empty expression' }).max(500, { error: 'must be at most 500 characters' }),
    z.strictObject({
      expression: z.string({ error: 'must be a string' }).min(1, { error: 'must be a non-empty expression' }).max(500),
      minSamples: intBetween(1, 1_000_000).optional(),
    }),
  ],
  { error: 'must be an expression string or { expression, minSamples }' },
);

export function parseAssertInput(input: unknown, fieldPrefix: string): AssertDefinition {
  const parsed = parseSettings(assertSchema, input, fieldPrefix);
  return typeof parsed === 'string'
    ? { expression: parsed, minSamples: DEFAULT_MIN_SAMPLES }
    : { expression: parsed.expression, minSamples: parsed.minSamples ?? DEFAULT_MIN_SAMPLES };
}

/** Options of the measurement window that asserts and metrics read. */
export interface ObserveOptions {
  /** Length of the sliding window asserts are evaluated over, in ms. Default `60000`. */
  windowMs?: number;
  /** How often asserts are evaluated in the background (events fire then), in ms. Default `1000`. */
  evaluateIntervalMs?: number;
}

const observeSchema = z.strictObject({
  windowMs: intBetween(1000, 3_600_000).optional(),
  evaluateIntervalMs: intBetween(10, 600_000).optional(),
});

export function parseObserveOptions(input: unknown): Required<ObserveOptions> {
  const parsed = parseSettings(observeSchema, input ?? {}, 'observe');
  return { windowMs: parsed.windowMs ?? 60_000, evaluateIntervalMs: parsed.evaluateIntervalMs ?? 1000 };
}
