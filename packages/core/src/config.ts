import { z } from 'zod';
import type { AdminTokenConfig } from './admin/auth.js';
import { BallastConfigError, isInvalidSettingsError } from './errors/index.js';
import { parseSettings } from './settings/validate.js';
import type { LimitSettingsInput } from './limits/settings.js';
import type { DependencyDefinition } from './dependencies/index.js';
import type { Logger } from './util/logger.js';
import type { FleetOptions } from './fleet/index.js';
import type { AssertInput, ObserveOptions } from './asserts/index.js';
import type { HealthOptions } from './health/index.js';
import type { MetricsOptions } from './metrics/index.js';
import type { OutboxOptions } from './outbox/index.js';
import type { FlagDefinition, RolloutOptions } from './flags/index.js';
import type { BrokerOptions, MessagingOptions } from './messaging/index.js';

/** Options of `createBallast`. Every section is optional. */
export interface BallastOptions {
  /** Named flow-control limits. */
  limits?: Record<string, LimitSettingsInput>;
  /** Named dependencies read through circuit breakers, with fallbacks and last good values. */
  dependencies?: Record<string, DependencyDefinition>;
  /** The admin API: tokens and audit size. Without tokens, `admin()` and `admin.listen()` throw. */
  admin?: AdminOptions;
  /** Any pino-compatible logger. Default: silent. */
  logger?: Logger;
  /** Fleet mode: overrides shared by every instance through PostgreSQL, fleet-wide rates through Redis. Default: each instance on its own. */
  fleet?: FleetOptions;
  /** The measurement window behind asserts. */
  observe?: ObserveOptions;
  /** Named monitoring asserts, e.g. `{ latency: 'p99(latency) < 50ms' }`, evaluated continuously. */
  asserts?: Record<string, AssertInput>;
  /** Prometheus and OpenTelemetry export. */
  metrics?: MetricsOptions;
  /** `/health`, `/livez`, `/readyz`. */
  health?: HealthOptions;
  /** The write outbox: destinations, database, worker. */
  outbox?: OutboxOptions;
  /** This instance's ring for staged rollout, e.g. `process.env.BALLAST_STAGE`. Default `'all'`. */
  stage?: string | undefined;
  /** The rings (narrowest first) and who a request is (`cohort`). */
  rollout?: RolloutOptions;
  /** Named feature flags, e.g. `{ newCheckout: { stage: 'internal', percent: 100, guard: 'p99(latency, /checkout) < 250ms' } }`. */
  flags?: Record<string, FlagDefinition>;
  /** Named message brokers for `publish` and `subscribe`: `{ type: 'redis-streams' | 'nats-jetstream' | 'amqp', ... }`. */
  brokers?: Record<string, BrokerOptions>;
  /** How `publish` waits: `publishTimeoutMs` (default 2000), `confirmTimeoutMs` (default 500). */
  messaging?: MessagingOptions;
  /** The deployed version this instance reports in fleet mode (`GET /fleet/instances`). Default: the `version` of the nearest package.json at or above the working directory, else `null`. */
  appVersion?: string;
}

export interface AdminOptions {
  /** Named bearer tokens; each secret must be at least 16 characters. */
  tokens?: Record<string, AdminTokenConfig>;
  /** How many recent changes `GET /audit` keeps. Default `1000`. */
  auditSize?: number;
}

const adminSchema = z.strictObject({
  tokens: z
    .record(
      z.string(),
      z.strictObject({
        secret: z.string({ error: 'must be a string' }).min(16, { error: 'must be at least 16 characters' }),
        role: z.enum(['read', 'write'], { error: 'must be "read" or "write"' }),
      }),
    )
    .optional(),
  auditSize: z.number().int().min(1).max(100_000).optional(),
});

/** Top-level shape check; each feature validates its own section in depth. */
const optionsSchema = z.strictObject({
  limits: z.record(z.string(), z.unknown(), { error: 'must be an object of named limits' }).optional(),
  dependencies: z.record(z.string(), z.unknown(), { error: 'must be an object of named dependencies' }).optional(),
  admin: adminSchema.optional(),
  fleet: z.unknown().optional(),
  observe: z.unknown().optional(),
  asserts: z.record(z.string(), z.unknown(), { error: 'must be an object of named asserts' }).optional(),
  metrics: z.unknown().optional(),
  health: z.unknown().optional(),
  outbox: z.unknown().optional(),
  rollout: z.unknown().optional(),
  flags: z.record(z.string(), z.unknown(), { error: 'must be an object of named flags' }).optional(),
  brokers: z.record(z.string(), z.unknown(), { error: 'must be an object of named brokers' }).optional(),
  messaging: z.unknown().optional(),
  stage: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(100, { error: 'must be at most 100 characters' }).optional(),
  appVersion: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(200, { error: 'must be at most 200 characters' }).optional(),
  logger: z
    .custom<Logger>(
      (v) => typeof v === 'object' && v !== null && ['info', 'warn', 'error'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
      { error: 'must be a pino-compatible logger with info, warn and error methods' },
    )
    .optional(),
});

/** Runs `fn`, turning a settings error into a construction error naming the field. */
export function asConfigError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (isInvalidSettingsError(error)) throw new BallastConfigError(error.field, error.detail);
    throw error;
  }
}

export function validateOptions(options: unknown): BallastOptions {
  if (options === undefined) return {};
  return asConfigError(() => parseSettings(optionsSchema, options)) as BallastOptions;
}
