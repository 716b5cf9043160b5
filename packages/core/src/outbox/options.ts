import { z } from 'zod';
import { intBetween, numberAbove, parseSettings } from '../settings/validate.js';
import type { Deliver } from './types.js';
import type { DatabaseOption } from './store/index.js';

/** Breaker of one destination: while open, the worker leaves the destination alone. */
export interface OutboxBreakerOptions {
  /** Failure percentage (of the rolling 10 s window) that opens the breaker. Default `50`. */
  errorThresholdPercentage?: number;
  /** Attempts in the window before the percentage counts. Default `10`. */
  volumeThreshold?: number;
  /** How long after opening the breaker sends its first probe (one trial delivery). Default `1000`. */
  probeAfterMs?: number;
  /**
   * Longest wait between probes: each failed probe doubles the wait from `probeAfterMs` up to this.
   * A probe answered 429/503 with `Retry-After` waits what the downstream asked instead. Default `10000`.
   */
  resetTimeoutMs?: number;
}

export interface DestinationOptions {
  /** Delivers one message; see `Deliver`. `httpDestination(url)` builds one. */
  deliver: Deliver;
  /** Backpressure: `enqueue` throws `OutboxFullError` once this many messages are pending. Default: unbounded. */
  maxPending?: number;
  /** Attempts before a message goes dead. Default `25`. */
  maxAttempts?: number;
  /** Paces deliveries to at most this many per second per process. Default: unpaced. */
  ratePerSecond?: number;
  /** The destination's breaker. Default: the values documented on `OutboxBreakerOptions`. */
  breaker?: OutboxBreakerOptions;
}

export interface OutboxWorkerOptions {
  /** Run the delivery worker in this process. `false` makes an enqueue-only instance. Default `true`. */
  enabled?: boolean;
  /**
   * Most messages claimed per query. The worker also holds up to this many claimed messages waiting
   * for a free slot (fewer when deliveries are slow, so none waits long on its lease): a fast
   * destination gets big claims without more deliveries at once. Default `250`.
   */
  batchSize?: number;
  /** Most deliveries in flight at once in this process. Default `16`. */
  concurrency?: number;
  /** How long a claim holds a message before another worker may take it (database clock); a keyed message's key, whose worker died, up to 10% longer. Default `30000`. */
  leaseMs?: number;
  /** Poll at least this often; NOTIFY only wakes the worker sooner. Default `1000`. */
  pollIntervalMs?: number;
  /** Retry delay: `baseMs * 2^(attempt-1)` with jitter, capped at `maxMs`. Default `{ baseMs: 1000, maxMs: 300000 }`. */
  backoff?: {
    /** Delay before the second attempt, in ms. Default `1000`. */
    baseMs?: number;
    /** Longest delay between attempts, in ms. Default `300000`. */
    maxMs?: number;
  };
  /** How long `stop()` waits for in-flight deliveries before aborting them and releasing their leases. Default `5000`. */
  shutdownTimeoutMs?: number;
}

export interface OutboxOptions {
  /** A connection string (Ballast owns and ends the pool), a `pg.Pool` (yours, never ended), or a PGlite instance. Default: PGlite under `dataDir`. */
  database?: DatabaseOption;
  /** Where embedded PGlite keeps its files when `database` is omitted. Default `.ballast/pglite` in the working directory. */
  dataDir?: string;
  /** Prepare the outbox's statements once per connection (less work per enqueue and claim). Set `false` behind PgBouncer in transaction mode before 1.21. Default `true`. */
  preparedStatements?: boolean;
  /** PostgreSQL schema of the outbox tables. Default `ballast`. */
  schema?: string;
  /** Largest accepted payload, in bytes of JSON. Default `65536`. */
  maxPayloadBytes?: number;
  /**
   * How long the idempotency key you passed to `enqueue` is remembered after its message was delivered:
   * within this window a re-enqueue of the key answers `duplicate: true` with the delivered message's id
   * and stores nothing. Generated keys are not remembered. Default `86400000` (24 h).
   */
  deliveredKeyRetentionMs?: number;
  /** Named downstreams. */
  destinations: Record<string, DestinationOptions>;
  /** The delivery worker of this process. */
  worker?: OutboxWorkerOptions;
}

const breakerSchema = z.strictObject({
  errorThresholdPercentage: numberAbove(0, 100).optional(),
  volumeThreshold: intBetween(1, 1_000_000).optional(),
  probeAfterMs: intBetween(1, 3_600_000).optional(),
  resetTimeoutMs: intBetween(1, 3_600_000).optional(),
});

const destinationSchema = z.strictObject({
  deliver: z.custom<Deliver>((v) => typeof v === 'function', { error: 'must be a function (message, signal) => Promise<void>' }),
  maxPending: intBetween(1, 100_000_000).optional(),
  maxAttempts: intBetween(1, 1000).optional(),
  ratePerSecond: numberAbove(0, 1_000_000).optional(),
  breaker: breakerSchema.optional(),
});

const isDatabaseObject = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && typeof (v as { query?: unknown }).query === 'function';

const outboxSchema = z.strictObject({
  database: z
    .custom<DatabaseOption>((v) => (typeof v === 'string' && v.length > 0) || isDatabaseObject(v), {
      error: 'must be a connection string, a pg.Pool or a PGlite instance',
    })
    .optional(),
  dataDir: z.string().min(1).optional(),
  preparedStatements: z.boolean().optional(),
  schema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,50}$/, { error: 'must be a lower-case SQL identifier (letters, digits, _)' })
    .optional(),
  maxPayloadBytes: intBetween(2, 100_000_000).optional(),
  deliveredKeyRetentionMs: intBetween(1000, 365 * 86_400_000).optional(),
  destinations: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, { error: 'destination names use letters, digits, _ . -' }), destinationSchema),
  worker: z
    .strictObject({
      enabled: z.boolean().optional(),
      batchSize: intBetween(1, 1000).optional(),
      concurrency: intBetween(1, 10_000).optional(),
      leaseMs: intBetween(100, 3_600_000).optional(),
      pollIntervalMs: intBetween(5, 600_000).optional(),
      backoff: z.strictObject({ baseMs: intBetween(1, 3_600_000).optional(), maxMs: intBetween(1, 86_400_000).optional() }).optional(),
      shutdownTimeoutMs: intBetween(0, 600_000).optional(),
    })
    .optional(),
});

export interface ResolvedDestination {
  name: string;
  deliver: Deliver;
  maxPending: number | undefined;
  maxAttempts: number;
  ratePerSecond: number | undefined;
  breaker: { errorThresholdPercentage: number; volumeThreshold: number; probeAfterMs: number; resetTimeoutMs: number };
}

export interface ResolvedWorker {
  enabled: boolean;
  batchSize: number;
  concurrency: number;
  leaseMs: number;
  pollIntervalMs: number;
  backoff: { baseMs: number; maxMs: number };
  shutdownTimeoutMs: number;
}

export interface ResolvedOutboxOptions {
  database: DatabaseOption | undefined;
  dataDir: string;
  preparedStatements: boolean;
  schema: string;
  maxPayloadBytes: number;
  deliveredKeyRetentionMs: number;
  destinations: Map<string, ResolvedDestination>;
  worker: ResolvedWorker;
}

/** Validates the `outbox` section once; throws `InvalidSettingsError` naming the field under `outbox.`. */
export function resolveOutboxOptions(input: unknown): ResolvedOutboxOptions {
  const o = parseSettings(outboxSchema, input, 'outbox');
  const w = o.worker ?? {};
  const destinations = new Map<string, ResolvedDestination>();
  for (const [name, d] of Object.entries(o.destinations)) {
    const resetTimeoutMs = d.breaker?.resetTimeoutMs ?? 10_000;
    destinations.set(name, {
      name,
      deliver: d.deliver,
      maxPending: d.maxPending,
      maxAttempts: d.maxAttempts ?? 25,
      ratePerSecond: d.ratePerSecond,
      breaker: {
        errorThresholdPercentage: d.breaker?.errorThresholdPercentage ?? 50,
        volumeThreshold: d.breaker?.volumeThreshold ?? 10,
        resetTimeoutMs,
        probeAfterMs: Math.min(d.breaker?.probeAfterMs ?? 1000, resetTimeoutMs),
      },
    });
  }
  return {
    database: o.database,
    dataDir: o.dataDir ?? '.ballast/pglite',
    preparedStatements: o.preparedStatements ?? true,
    schema: o.schema ?? 'ballast',
    maxPayloadBytes: o.maxPayloadBytes ?? 65_536,
    deliveredKeyRetentionMs: o.deliveredKeyRetentionMs ?? 86_400_000,
    destinations,
    worker: {
      enabled: w.enabled ?? true,
      batchSize: w.batchSize ?? 250,
      concurrency: w.concurrency ?? 16,
      leaseMs: w.leaseMs ?? 30_000,
      pollIntervalMs: w.pollIntervalMs ?? 1000,
      backoff: { baseMs: w.backoff?.baseMs ?? 1000, maxMs: w.backoff?.maxMs ?? 300_000 },
      shutdownTimeoutMs: w.shutdownTimeoutMs ?? 5000,
    },
  };
}
