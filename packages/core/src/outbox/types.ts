/** One message as a destination's `deliver` function receives it. */
export interface OutboundMessage {
  /** The row id (a decimal string); `undefined` for a `direct-first` attempt that was never stored. */
  id: string | undefined;
  destination: string;
  /** The ordering key; messages of one key are delivered in enqueue order. */
  key: string | undefined;
  /** Stable across retries; `httpDestination` sends it as `Idempotency-Key`. */
  idempotencyKey: string;
  /** The payload exactly as enqueued (after a JSON round trip). */
  payload: unknown;
  /** 1 for the first attempt. */
  attempt: number;
}

/**
 * Delivers one message. Resolve = delivered. Throw `DeliveryError` (or any
 * error) to retry with backoff, `PermanentDeliveryError` to move it to dead.
 * Stop work when `signal` aborts (lease ending or shutdown). The worker gives
 * one signal to the messages of one claim (they share the lease): remove a
 * listener you add once your delivery is over.
 */
export type Deliver = (message: OutboundMessage, signal: AbortSignal) => Promise<void>;

/** Per-destination counters, as `stats()` and `GET /outbox` report them. */
export interface DestinationStats {
  /** Waiting for delivery (including those waiting for a retry), not leased. */
  pending: number;
  /** Leased by a worker right now. */
  inFlight: number;
  dead: number;
  /** Age of the oldest pending or in-flight message on the database clock; 0 when there is none. */
  oldestPendingAgeMs: number;
  /** Delivered since the outbox tables were created (all instances). */
  delivered: number;
  /** Paused by the admin API or `pause()` (fleet-wide). */
  paused: boolean;
}

/** A message in the dead state. */
export interface DeadMessage {
  id: string;
  destination: string;
  key: string | undefined;
  idempotencyKey: string;
  payload: unknown;
  attempts: number;
  lastError: string | undefined;
  createdAt: string;
  deadAt: string | undefined;
}

export interface EnqueueOptions {
  /** Ordering key: messages with the same key are delivered in enqueue order. */
  key?: string;
  /**
   * Sent with every attempt; default: a new UUID v7. A key you pass is deduplicated while the outbox
   * holds its message (pending, in flight or dead) and for `deliveredKeyRetentionMs` (default 24 h)
   * after that message was delivered: the call stores nothing and returns that message's id with
   * `duplicate: true`, whatever `maxPending` (never `OutboxFullError`). After that window the key is
   * stored as a new message (the downstream sees the same `Idempotency-Key` again). One race is not
   * closed: an `enqueue` that starts while the delivery of that key is being acknowledged (the ack's
   * commit) stores it once more, so the downstream sees the key twice.
   * A generated key is new by construction and is never looked up nor remembered: pass your own key to
   * make a retried `enqueue` safe.
   */
  idempotencyKey?: string;
  /** A `pg` client (or PGlite transaction) inside the caller's transaction: the message commits or rolls back with it. */
  client?: SqlClientLike;
  /** Deliver no earlier than this many milliseconds from now (database clock). */
  delayMs?: number;
}

export interface EnqueueResult {
  id: string;
  idempotencyKey: string;
  /** The outbox already held a message with this (supplied) idempotency key, or delivered one within `deliveredKeyRetentionMs`; nothing was stored. */
  duplicate: boolean;
}

/** Anything with a `query(text, params)` that resolves to `{ rows }`: `pg.Client`, `pg.PoolClient`, PGlite and its transactions. */
export interface SqlClientLike {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

export type DesyncMode = 'buffer-first' | 'direct-first';

export interface DesyncOptions {
  /** Ordering key: messages with the same key are delivered in enqueue order. Default: none (no ordering). */
  key?: string;
  /** Sent with every attempt (`Idempotency-Key`). Default: a new UUID v7. */
  idempotencyKey?: string;
  /** `buffer-first` (default): store, the worker delivers. `direct-first`: try now through the breaker; store on failure. */
  mode?: DesyncMode;
  /** Longest a `direct-first` attempt may take before the message is stored instead. Default `2000`. */
  timeoutMs?: number;
}

export interface DesyncResult {
  status: 'delivered' | 'queued';
  /** The row id when queued. */
  id?: string;
  idempotencyKey: string;
}

/** Events the outbox emits on `ballast.events`. */
export interface OutboxEvents {
  /**
   * A message was delivered; `id` is undefined for a `direct-first` delivery that was never stored.
   * `durationMs` (here and on `outbox:retry` / `outbox:dead`) is how long the delivery attempt took.
   */
  'outbox:delivered': { destination: string; id: string | undefined; idempotencyKey: string; attempt: number; durationMs: number };
  /** A delivery attempt failed and the message will be tried again after `delayMs`. */
  'outbox:retry': { destination: string; id: string; idempotencyKey: string; attempt: number; durationMs: number; delayMs: number; error: string };
  /** A message went dead: a permanent failure, or `maxAttempts` reached. The admin API can list and retry it. */
  'outbox:dead': { destination: string; id: string; idempotencyKey: string; attempt: number; durationMs: number; error: string };
  /** A destination's breaker changed state; while `open` the worker leaves that destination alone. */
  'outbox:breaker': { destination: string; state: 'open' | 'halfOpen' | 'closed' };
  /** A supervised background loop failed; it restarts after `restartInMs`. */
  'worker:crashed': { worker: string; error: unknown; restartInMs: number };
  /** A supervised background loop is running again after a crash; `restarts` counts them. */
  'worker:restarted': { worker: string; restarts: number };
}
