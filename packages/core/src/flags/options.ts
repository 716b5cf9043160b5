import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { parseSettings } from '../settings/validate.js';
import { DEFAULT_STAGES, OFF } from './settings.js';

/** The framework-free request a `cohort` function sees: readable during that call only (copy what you need; read later, it throws). */
export interface FlagRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  /** Node's request headers (lower-case names). */
  headers: IncomingHttpHeaders;
  /** One header as a string (the first value when repeated), or `undefined`. */
  header(name: string): string | undefined;
}

/** Who a request is, for flags: its ring and its sticky key. */
export interface Cohort {
  /** The request's ring; default: the instance's `stage`. A ring not in `stages` counts as the widest. */
  stage?: string | undefined;
  /** The sticky key (an account or user id); without one each evaluation draws a random bucket. */
  key?: string | undefined;
}

/** The `rollout` option of `createBallast`. */
export interface RolloutOptions {
  /** The rings, narrowest first. Default `['internal', 'beta', 'all']`. */
  stages?: string[];
  /**
   * Who a request is: `{ stage?, key? }`. Derive the ring from trusted data (the
   * authenticated user, a header your own ingress sets), never from a header any client can send.
   */
  cohort?: (request: FlagRequest) => Cohort;
}

export interface ResolvedRollout {
  /** This instance's ring. */
  stage: string;
  stages: readonly string[];
  cohort: ((request: FlagRequest) => Cohort) | undefined;
}

const ringName = z
  .string({ error: 'must be a string' })
  .regex(/^[\w.-]{1,64}$/, { error: 'must be 1 to 64 letters, digits, "_", "-" or "."' })
  .refine((s) => s !== OFF, { error: `"${OFF}" is reserved: it turns a flag off` });

const rolloutSchema = z.strictObject({
  stages: z
    .array(ringName)
    .min(1, { error: 'must list at least one ring' })
    .refine((list) => new Set(list).size === list.length, { error: 'must not name a ring twice' })
    .optional(),
  cohort: z.custom<(request: FlagRequest) => Cohort>((v) => typeof v === 'function', { error: 'must be a function of the request' }).optional(),
});

/** Validates `stage` and `rollout`; throws `InvalidSettingsError` naming the field. */
export function parseRollout(stage: unknown, rollout: unknown): ResolvedRollout {
  const parsedStage = stage === undefined ? 'all' : parseSettings(ringName, stage, 'stage');
  const parsed = parseSettings(rolloutSchema, rollout ?? {}, 'rollout');
  return { stage: parsedStage, stages: parsed.stages ?? DEFAULT_STAGES, cohort: parsed.cohort };
}
