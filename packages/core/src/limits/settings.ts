import { z } from 'zod';
import { intBetween, numberAbove, parseSettings } from '../settings/validate.js';

/** Settings of one named limit, as the user writes them. */
export interface LimitSettingsInput {
  /** Invocations running at once; `0` closes the path (every request is shed with reason `closed`). Required. */
  maxConcurrent: number;
  /** How many requests may wait for a slot. Default `0` (no waiting). */
  maxQueue?: number;
  /** Longest wait in the queue before being shed with `queue_timeout`, in ms. Default `1000`. */
  queueTimeoutMs?: number;
  /** Admissions per second (token bucket); `null` = unlimited. Default `null`. */
  ratePerSecond?: number | null;
  /** Token bucket size when a rate is set; `null` = `ceil(ratePerSecond)`. Default `null`. */
  burst?: number | null;
}

/** Fully resolved settings: every field present. */
export interface LimitSettings {
  maxConcurrent: number;
  maxQueue: number;
  queueTimeoutMs: number;
  ratePerSecond: number | null;
  burst: number | null;
}

const fields = {
  maxConcurrent: intBetween(0, 100_000),
  maxQueue: intBetween(0, 100_000),
  queueTimeoutMs: intBetween(0, 600_000),
  ratePerSecond: numberAbove(0, 1e6).nullable(),
  burst: intBetween(1, 1e6).nullable(),
};

/** The one schema for a full limit definition (constructor, fleet store). */
export const limitSettingsSchema = z.strictObject({
  maxConcurrent: fields.maxConcurrent,
  maxQueue: fields.maxQueue.default(0),
  queueTimeoutMs: fields.queueTimeoutMs.default(1000),
  ratePerSecond: fields.ratePerSecond.default(null),
  burst: fields.burst.default(null),
});

/** The same fields, all optional, for a retune (`limits.update`, `PATCH /limits/:name`). */
export const limitPatchSchema = z.strictObject({
  maxConcurrent: fields.maxConcurrent.optional(),
  maxQueue: fields.maxQueue.optional(),
  queueTimeoutMs: fields.queueTimeoutMs.optional(),
  ratePerSecond: fields.ratePerSecond.optional(),
  burst: fields.burst.optional(),
});

export type LimitPatch = Partial<LimitSettings>;

export const parseLimitSettings = (input: unknown, fieldPrefix = ''): LimitSettings =>
  parseSettings(limitSettingsSchema, input, fieldPrefix);

export function parseLimitPatch(input: unknown, fieldPrefix = ''): LimitPatch {
  const parsed = parseSettings(limitPatchSchema, input, fieldPrefix);
  const patch: LimitPatch = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (value !== undefined) (patch as Record<string, unknown>)[key] = value;
  }
  return patch;
}

/** The bucket size in force: explicit `burst`, else `ceil(ratePerSecond)`. */
export const effectiveBurst = (s: LimitSettings): number =>
  s.burst ?? (s.ratePerSecond === null ? 0 : Math.max(1, Math.ceil(s.ratePerSecond)));
