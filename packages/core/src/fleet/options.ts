import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { PgPool } from '../outbox/store/types.js';
import { z } from 'zod';
import { BallastConfigError } from '../errors/index.js';
import { intBetween, parseSettings } from '../settings/validate.js';
import type { RedisClient } from './redisRate.js';

/**
 * Fleet mode: several instances of one service share their settings overrides
 * (PostgreSQL, with LISTEN/NOTIFY) and, for `scope: 'fleet'` limits, their rates (Redis).
 *
 * @example
 * createBallast({
 *   limits: { search: { maxConcurrent: 8, ratePerSecond: 200, scope: 'fleet', onStoreDown: 'open' } },
 *   fleet: { database: process.env.DATABASE_URL, redis: process.env.REDIS_URL },
 *   admin: { tokens: { ops: { secret: process.env.BALLAST_ADMIN_TOKEN!, role: 'write' } } },
 * });
 */
export interface FleetOptions {
  /** The shared PostgreSQL: a connection string (Ballast owns that pool) or a `pg.Pool` (yours, never ended). Default: `outbox.database` when it is one of those; without either, overrides stay per instance. */
  database?: string | PgPool;
  /** Redis behind `scope: 'fleet'` rates: a `redis://` URL (Ballast owns the client) or an ioredis client (yours). Default: none. */
  redis?: string | RedisClient;
  /** PostgreSQL schema of the fleet tables. Default `ballast`. */
  schema?: string;
  /** LISTEN/NOTIFY channel. Default `ballast_fleet`. */
  channel?: string;
  /** Prefix of the Redis keys. Default `ballast:`. */
  redisKeyPrefix?: string;
  /** Longest a database connect or query may take before the store counts as unreachable (pools Ballast owns), in ms. Default `2000`. */
  timeoutMs?: number;
  /** Longest a Redis admission may take before the store counts as down, in ms. Default `100`. */
  redisTimeoutMs?: number;
  /** Backoff of the LISTEN connection's reconnects, in ms. Default `{ minMs: 100, maxMs: 5000 }`. */
  reconnect?: {
    /** First wait before reconnecting, in ms. Default `100`. */
    minMs?: number;
    /** Longest wait between reconnects, in ms. Default `5000`. */
    maxMs?: number;
  };
  /** How often this instance heartbeats `{ id, stage, appVersion, startedAt, health }` to the store, in ms; it drops out of `GET /fleet/instances` after three missed beats. Default `5000`. */
  heartbeatIntervalMs?: number;
  /** This instance's id in `GET /fleet/instances` (a pod name, for instance). Default: `<hostname>-<pid>-<random>`. */
  instanceId?: string;
}

export interface ResolvedFleetOptions {
  database: string | PgPool | undefined;
  redis: string | RedisClient | undefined;
  schema: string;
  channel: string;
  redisKeyPrefix: string;
  timeoutMs: number;
  redisTimeoutMs: number;
  reconnect: { minMs: number; maxMs: number };
  heartbeatIntervalMs: number;
  instanceId: string;
}

const identifier = z
  .string({ error: 'must be a string' })
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: 'must be a lower-case SQL identifier (letters, digits, _)' });
const isPgPool = (v: unknown): boolean => typeof v === 'object' && v !== null && typeof (v as PgPool).connect === 'function' && 'totalCount' in v;
const isRedis = (v: unknown): boolean => typeof v === 'object' && v !== null && typeof (v as RedisClient).evalsha === 'function';

const fleetSchema = z.strictObject({
  database: z
    .custom<string | PgPool>((v) => (typeof v === 'string' && v.length > 0) || isPgPool(v), {
      error: 'must be a PostgreSQL connection string or a pg.Pool (fleet mode needs a shared server; PGlite is single-process)',
    })
    .optional(),
  redis: z
    .custom<string | RedisClient>((v) => (typeof v === 'string' && /^rediss?:\/\//.test(v)) || isRedis(v), {
      error: 'must be a redis:// URL or an ioredis client',
    })
    .optional(),
  schema: identifier.default('ballast'),
  channel: identifier.default('ballast_fleet'),
  redisKeyPrefix: z.string({ error: 'must be a string' }).max(100).default('ballast:'),
  timeoutMs: intBetween(10, 600_000).default(2000),
  redisTimeoutMs: intBetween(1, 60_000).default(100),
  reconnect: z
    .strictObject({ minMs: intBetween(1, 600_000).default(100), maxMs: intBetween(1, 3_600_000).default(5000) })
    .refine((r) => r.maxMs >= r.minMs, { error: 'must not be below minMs', path: ['maxMs'] })
    .default({ minMs: 100, maxMs: 5000 }),
  heartbeatIntervalMs: intBetween(50, 3_600_000).default(5000),
  instanceId: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(200, { error: 'must be at most 200 characters' }).optional(),
});

/**
 * Validates `fleet` once at construction. `outboxDatabase` is the outbox's own
 * option: a server it names is the default fleet store.
 */
export function resolveFleetOptions(input: unknown, outboxDatabase: unknown): ResolvedFleetOptions {
  const parsed = parseSettings(fleetSchema, input ?? {}, 'fleet');
  let database = parsed.database;
  if (database === undefined && input !== undefined && ((typeof outboxDatabase === 'string' && outboxDatabase.length > 0) || isPgPool(outboxDatabase))) {
    database = outboxDatabase as string | PgPool;
  }
  if (database === undefined && parsed.redis === undefined) {
    throw new BallastConfigError('fleet.database', 'is required (or outbox.database): fleet mode needs a shared PostgreSQL server');
  }
  return { ...parsed, database, redis: parsed.redis, instanceId: parsed.instanceId ?? defaultInstanceId() };
}

/** Readable and unique: a restarted process on the same host gets a new id. */
const defaultInstanceId = (): string => `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
