import { z } from 'zod';
import { intBetween, parseSettings } from '../settings/validate.js';

/** An operator override of the breaker: `open` fails fast, `closed` always calls, `null` follows the breaker. */
export type BreakerForce = 'open' | 'closed' | null;

/** Settings of one dependency's breaker, as the user writes them. All optional. */
export interface DependencySettingsInput {
  /** Longest a call may take before it is abandoned (its `AbortSignal` fires) and counted as a failure, in ms. Default `3000`. */
  timeoutMs?: number;
  /** Failure percentage of the rolling window at or above which the breaker opens. Default `50`. */
  errorThresholdPercentage?: number;
  /** Calls the rolling window must hold before the breaker may open at all. Default `10`. */
  volumeThreshold?: number;
  /** How long the breaker stays open before letting probes through, in ms. Default `30000`. */
  resetTimeoutMs?: number;
  /** Length of the rolling window of outcomes, in ms. Default `10000`. */
  rollingWindowMs?: number;
  /** Buckets the rolling window is divided into (each at least 10 ms). Default `10`. */
  rollingBuckets?: number;
  /** Probes let through while half-open; all must succeed to close, any failure reopens. Default `1`. */
  halfOpenMaxProbes?: number;
  /** Last good values kept for `cacheKey` reads (least recently used goes first); `0` keeps none. Default `1000`. */
  cacheMaxEntries?: number;
  /** Oldest last good value still served, in ms. Default `300000` (5 minutes). */
  cacheMaxAgeMs?: number;
  /** Operator override: `open`, `closed`, or `null` to follow the breaker. Default `null`. */
  force?: BreakerForce;
}

/** Fully resolved settings: every field present. */
export type DependencySettings = Required<DependencySettingsInput>;

export type DependencyPatch = Partial<DependencySettings>;

const fields = {
  timeoutMs: intBetween(1, 600_000),
  errorThresholdPercentage: intBetween(1, 100),
  volumeThreshold: intBetween(1, 1_000_000),
  resetTimeoutMs: intBetween(1, 3_600_000),
  rollingWindowMs: intBetween(10, 3_600_000),
  rollingBuckets: intBetween(1, 1000),
  halfOpenMaxProbes: intBetween(1, 1000),
  cacheMaxEntries: intBetween(0, 1_000_000),
  cacheMaxAgeMs: intBetween(0, 7 * 24 * 3_600_000),
  force: z.enum(['open', 'closed'], { error: 'must be "open", "closed" or null' }).nullable(),
};

/** The value of every setting left out of a definition. */
export const DEPENDENCY_DEFAULTS: Readonly<DependencySettings> = Object.freeze({
  timeoutMs: 3000,
  errorThresholdPercentage: 50,
  volumeThreshold: 10,
  resetTimeoutMs: 30_000,
  rollingWindowMs: 10_000,
  rollingBuckets: 10,
  halfOpenMaxProbes: 1,
  cacheMaxEntries: 1000,
  cacheMaxAgeMs: 300_000,
  force: null,
});

/** Each bucket must span at least 10 ms, or rotation would cost more than it tells. */
const bucketsFit = (s: { rollingWindowMs: number; rollingBuckets: number }): boolean =>
  s.rollingWindowMs / s.rollingBuckets >= 10;
const bucketsMessage = { error: 'must leave each bucket at least 10 ms of rollingWindowMs', path: ['rollingBuckets'] };

/** The one schema for a full breaker definition (constructor, admin API after merging, fleet store). */
export const dependencySettingsSchema = z
  .strictObject({
    timeoutMs: fields.timeoutMs.default(DEPENDENCY_DEFAULTS.timeoutMs),
    errorThresholdPercentage: fields.errorThresholdPercentage.default(DEPENDENCY_DEFAULTS.errorThresholdPercentage),
    volumeThreshold: fields.volumeThreshold.default(DEPENDENCY_DEFAULTS.volumeThreshold),
    resetTimeoutMs: fields.resetTimeoutMs.default(DEPENDENCY_DEFAULTS.resetTimeoutMs),
    rollingWindowMs: fields.rollingWindowMs.default(DEPENDENCY_DEFAULTS.rollingWindowMs),
    rollingBuckets: fields.rollingBuckets.default(DEPENDENCY_DEFAULTS.rollingBuckets),
    halfOpenMaxProbes: fields.halfOpenMaxProbes.default(DEPENDENCY_DEFAULTS.halfOpenMaxProbes),
    cacheMaxEntries: fields.cacheMaxEntries.default(DEPENDENCY_DEFAULTS.cacheMaxEntries),
    cacheMaxAgeMs: fields.cacheMaxAgeMs.default(DEPENDENCY_DEFAULTS.cacheMaxAgeMs),
    force: fields.force.default(DEPENDENCY_DEFAULTS.force),
  })
  .refine(bucketsFit, bucketsMessage);

/** The same fields, all optional, for a retune (`dependencies.update`, `PATCH /dependencies/:name`). */
export const dependencyPatchSchema = z.strictObject({
  timeoutMs: fields.timeoutMs.optional(),
  errorThresholdPercentage: fields.errorThresholdPercentage.optional(),
  volumeThreshold: fields.volumeThreshold.optional(),
  resetTimeoutMs: fields.resetTimeoutMs.optional(),
  rollingWindowMs: fields.rollingWindowMs.optional(),
  rollingBuckets: fields.rollingBuckets.optional(),
  halfOpenMaxProbes: fields.halfOpenMaxProbes.optional(),
  cacheMaxEntries: fields.cacheMaxEntries.optional(),
  cacheMaxAgeMs: fields.cacheMaxAgeMs.optional(),
  force: fields.force.optional(),
});

export const parseDependencySettings = (input: unknown, fieldPrefix = ''): DependencySettings =>
  parseSettings(dependencySettingsSchema, input ?? {}, fieldPrefix);

/**
 * Validates a patch against `current`: field by field, then the merged result as a
 * whole (so cross-field rules hold), and returns the merged settings.
 */
export function mergeDependencyPatch(current: DependencySettings, input: unknown): DependencySettings {
  const parsed = parseSettings(dependencyPatchSchema, input);
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(parsed)) if (value !== undefined) merged[key] = value;
  return parseDependencySettings(merged);
}
