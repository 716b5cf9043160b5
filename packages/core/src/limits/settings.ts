import { z } from 'zod';
import { InvalidSettingsError } from '../errors/index.js';
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
  /**
   * Who shares `ratePerSecond`: `local` counts per instance; `fleet` counts across every
   * instance through Redis (`fleet.redis`), each instance keeping its local bucket as
   * well (a per-instance ceiling, and the only one while Redis is down with `open`).
   * Fixed at construction. Default `local`.
   */
  scope?: LimitScope;
  /** With `scope: 'fleet'`, required: admit (`open`) or shed with `rate` (`closed`) while Redis is unreachable. */
  onStoreDown?: OnStoreDown;
}

export type LimitScope = 'local' | 'fleet';
export type OnStoreDown = 'open' | 'closed';

/** Fully resolved settings: every field present. */
export interface LimitSettings {
  maxConcurrent: number;
  maxQueue: number;
  queueTimeoutMs: number;
  ratePerSecond: number | null;
  burst: number | null;
  /** Absent means `local`; kept absent so local limits show exactly the five fields above. */
  scope?: LimitScope;
  onStoreDown?: OnStoreDown;
}

const fields = {
  maxConcurrent: intBetween(0, 100_000),
  maxQueue: intBetween(0, 100_000),
  queueTimeoutMs: intBetween(0, 600_000),
  ratePerSecond: numberAbove(0, 1e6).nullable(),
  burst: intBetween(1, 1e6).nullable(),
  scope: z.enum(['local', 'fleet'], { error: 'must be "local" or "fleet"' }),
  onStoreDown: z.enum(['open', 'closed'], { error: 'must be "open" or "closed"' }),
};

/** A fleet-wide rate must say what happens when its store is down: there is no safe default. */
const storeDownChosen = (s: { scope?: LimitScope | undefined; onStoreDown?: OnStoreDown | undefined }): boolean =>
  s.scope !== 'fleet' || s.onStoreDown !== undefined;
const storeDownMessage = { error: 'is required with scope "fleet": choose "open" or "closed"', path: ['onStoreDown'] };

/** `onStoreDown` says what a fleet-wide rate does without its store: on a local limit it would silently do nothing. */
const storeDownApplies = (s: { scope?: LimitScope | undefined; onStoreDown?: OnStoreDown | undefined }): boolean =>
  s.scope === 'fleet' || s.onStoreDown === undefined;
const storeDownLocalMessage = { error: 'applies only to a limit with scope "fleet"', path: ['onStoreDown'] };

/** The one schema for a full limit definition (constructor, fleet store). */
export const limitSettingsSchema = z.strictObject({
  maxConcurrent: fields.maxConcurrent,
  maxQueue: fields.maxQueue.default(0),
  queueTimeoutMs: fields.queueTimeoutMs.default(1000),
  ratePerSecond: fields.ratePerSecond.default(null),
  burst: fields.burst.default(null),
  scope: fields.scope.optional(),
  onStoreDown: fields.onStoreDown.optional(),
})
  .refine(storeDownChosen, storeDownMessage)
  .refine(storeDownApplies, storeDownLocalMessage);

/** The same fields, all optional, for a retune (`limits.update`, `PATCH /limits/:name`). */
export const limitPatchSchema = z.strictObject({
  maxConcurrent: fields.maxConcurrent.optional(),
  maxQueue: fields.maxQueue.optional(),
  queueTimeoutMs: fields.queueTimeoutMs.optional(),
  ratePerSecond: fields.ratePerSecond.optional(),
  burst: fields.burst.optional(),
  // `scope` decides how requests are admitted (which gate); it cannot change at runtime.
  onStoreDown: fields.onStoreDown.optional(),
});

export type LimitPatch = Partial<Omit<LimitSettings, 'scope'>>;

export const parseLimitSettings = (input: unknown, fieldPrefix = ''): LimitSettings =>
  parseSettings(limitSettingsSchema, input, fieldPrefix) as LimitSettings;

export function parseLimitPatch(input: unknown, fieldPrefix = ''): LimitPatch {
  if (typeof input === 'object' && input !== null && 'scope' in input) {
    const field = fieldPrefix.length > 0 ? `${fieldPrefix}.scope` : 'scope';
    throw new InvalidSettingsError(field, 'is fixed at construction and cannot be changed at runtime');
  }
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
