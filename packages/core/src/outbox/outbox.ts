import type { AuditLog } from '../admin/audit.js';
import { UnknownNameError } from '../errors/index.js';
import type { SafeEmitter } from '../events/index.js';
import type { Logger } from '../util/logger.js';
import { DestinationRuntime } from './destination.js';
import { OutboxConnection } from './connection.js';
import { OutboxFullError } from './errors.js';
import { WakeHints } from './hint.js';
import { uuidv7 } from './ids.js';
import type { ResolvedOutboxOptions } from './options.js';
import { insertMessage, keyHasPending, listDead, readStats, redriveDead, sendHint, setPaused } from './sql/index.js';
import type { Database, SqlClient } from './store/index.js';
import { desync } from './desync.js';
import type { DeadMessage, DesyncOptions, DesyncResult, DestinationStats, EnqueueOptions, EnqueueResult, OutboxEvents } from './types.js';
import { checkCallerClient, checkMessageOptions, serialisePayload } from './validate.js';
import { OutboxWorker } from './worker/worker.js';
import { startPruner } from './worker/pruner.js';
import type { Supervised } from './worker/supervisor.js';
import { pruneDeliveredKeys } from './sql/prune.js';
import { PACING_FEATURE } from './worker/pacer.js';
import { isMissingPeerError, loadBottleneck } from '../peers/index.js';

export interface OutboxDeps {
  events: SafeEmitter<OutboxEvents>;
  logger: Logger;
  audit: AuditLog;
}

const notConfigured = (): UnknownNameError => new UnknownNameError('outbox destination', '(no outbox configured: set options.outbox)');

const enqueued = (result: { stored: string } | { duplicate: string }, idempotencyKey: string): EnqueueResult =>
  'stored' in result ? { id: result.stored, idempotencyKey, duplicate: false } : { id: result.duplicate, idempotencyKey, duplicate: true };

const emptyStats = (): DestinationStats => ({ pending: 0, inFlight: 0, dead: 0, oldestPendingAgeMs: 0, delivered: 0, paused: false });

/**
 * The write outbox of one Ballast instance (`ballast.outbox`): stores
 * messages in PostgreSQL (or PGlite), and runs the delivery worker between
 * `start()` and `stop()`.
 */
export class Outbox {
  readonly #options: ResolvedOutboxOptions | undefined;
  readonly #deps: OutboxDeps;
  readonly #runtimes = new Map<string, DestinationRuntime>();
  readonly #connection: OutboxConnection | undefined;
  #worker: OutboxWorker | undefined;
  /** Forgets delivered idempotency keys after `deliveredKeyRetentionMs`; runs beside the worker, which records them. */
  #pruner: Supervised | undefined;
  #hints: WakeHints | undefined;

  constructor(options: ResolvedOutboxOptions | undefined, deps: OutboxDeps) {
    this.#options = options;
    this.#deps = deps;
    if (options !== undefined) {
      this.#connection = new OutboxConnection(options, deps.logger, (db) => {
        const channel = `${options.schema}_outbox`;
        // PGlite lives in this process only: the local wake-up is all it needs.
        const notify = db.kind === 'postgres' ? () => sendHint(db, channel, '') : undefined;
        this.#hints = new WakeHints(() => this.#worker?.wake(), notify);
      });
    }
  }

  /** Names of the configured destinations. */
  get destinations(): string[] {
    return [...(this.#options?.destinations.keys() ?? [])];
  }

  /** The PostgreSQL schema of the outbox tables. */
  get schema(): string {
    return this.#options?.schema ?? 'ballast';
  }

  /**
   * Stores a message for `destination`; the worker delivers it at least once.
   *
   * @example
   * await pool.query('BEGIN');
   * await pool.query('INSERT INTO orders ...');
   * await ballast.outbox.enqueue('billing', { orderId }, { key: accountId, client });
   * await pool.query('COMMIT');
   */
  async enqueue(destination: string, payload: unknown, options: EnqueueOptions = {}): Promise<EnqueueResult> {
    const settings = this.#settings(destination);
    const checked = checkMessageOptions(options);
    const json = serialisePayload(payload, this.#resolved.maxPayloadBytes);
    const idempotencyKey = checked.idempotencyKey ?? uuidv7();
    const idempotencySupplied = checked.idempotencyKey !== undefined;
    const message = { destination, key: checked.key, idempotencyKey, idempotencySupplied, json, delayMs: checked.delayMs, maxPending: settings.maxPending };
    if (options.client !== undefined) {
      const client = checkCallerClient(options.client);
      await this.#conn.ready(); // the tables must exist before the caller's transaction uses them
      const result = await insertMessage(client, this.schema, message);
      if ('full' in result) throw new OutboxFullError(destination, settings.maxPending ?? 0);
      this.#hints?.joinedTransaction();
      return enqueued(result, idempotencyKey);
    }
    const result = await this.#run((db) => insertMessage(db, this.schema, message));
    if ('full' in result) throw new OutboxFullError(destination, settings.maxPending ?? 0);
    if ('stored' in result) this.#hints?.committed();
    return enqueued(result, idempotencyKey);
  }

  /**
   * Hands a write over from a request handler; see `DesyncOptions.mode`.
   * Resolves `{ status: 'delivered' }` (answer 200) or `{ status: 'queued' }` (answer 202).
   */
  async desync(destination: string, payload: unknown, options?: DesyncOptions): Promise<DesyncResult> {
    const { durationMs, ...result } = await desync(this, destination, payload, options);
    if (result.status === 'delivered') {
      const delivered = { destination, id: undefined, idempotencyKey: result.idempotencyKey, attempt: 1, durationMs: durationMs ?? 0 };
      this.#deps.events.emit('outbox:delivered', delivered);
    }
    return result;
  }

  /** Whether a message of `key` is still pending for `destination`. */
  async pendingForKey(destination: string, key: string): Promise<boolean> {
    this.#settings(destination);
    return this.#run((db) => keyHasPending(db, this.schema, destination, key));
  }

  /** Per-destination counts (database clock ages); `delivered` counts deliveries by workers of every instance. */
  async stats(): Promise<Record<string, DestinationStats>> {
    const rows = await this.#run((db) => readStats(db, this.schema));
    const out: Record<string, DestinationStats> = {};
    for (const name of this.destinations) out[name] = emptyStats();
    for (const { destination, ...stats } of rows) out[destination] = stats;
    return out;
  }

  /** Resolves once the outbox database answers a trivial query (no table is read); rejects while it cannot be reached. */
  async ping(): Promise<void> {
    await this.#run((db) => db.query('SELECT 1'));
  }

  /** Dead messages, oldest first; `limit` defaults to 100. */
  async dead(destination?: string, options: { limit?: number } = {}): Promise<DeadMessage[]> {
    if (destination !== undefined) this.#settings(destination);
    return this.#run((db) => listDead(db, this.schema, destination, options.limit ?? 100));
  }

  /** Makes a dead message pending again with a fresh attempt budget; throws `UnknownNameError` when no dead message has `id`. */
  async retryDead(id: string, actor = 'code'): Promise<{ id: string; destination: string }> {
    if (!/^\d{1,18}$/.test(id)) throw new UnknownNameError('dead message', id);
    const destination = await this.#run((db) => redriveDead(db, this.schema, id));
    if (destination === undefined) throw new UnknownNameError('dead message', id);
    this.#deps.audit.record({ actor, action: 'outbox.retry_dead', target: id, before: { state: 'dead' }, after: { state: 'pending' } });
    this.#deps.logger.info({ actor, id, destination }, 'ballast: dead outbox message redriven');
    this.#hints?.committed();
    return { id, destination };
  }

  /** Stops delivery to `destination` on every instance sharing the database, until `resume`. */
  pause(destination: string, actor = 'code'): Promise<void> {
    return this.#setPaused(destination, true, actor);
  }

  resume(destination: string, actor = 'code'): Promise<void> {
    return this.#setPaused(destination, false, actor);
  }

  /** The destination's run time (breaker, pacer), created on first use. */
  runtime(destination: string): DestinationRuntime {
    const settings = this.#settings(destination);
    let runtime = this.#runtimes.get(destination);
    if (runtime === undefined) {
      runtime = new DestinationRuntime(settings, (state) => {
        this.#deps.events.emit('outbox:breaker', { destination, state });
        if (state === 'halfOpen') this.#worker?.wake();
      });
      this.#runtimes.set(destination, runtime);
    }
    return runtime;
  }

  /** The breaker state of each destination that has been used. */
  breakerState(destination: string): 'closed' | 'open' | 'halfOpen' {
    return this.#runtimes.get(destination)?.breaker.state ?? 'closed';
  }

  /**
   * The outbox's database, opened and migrated, for features that write in the
   * same database (a subscriber's `dedupe: 'postgres'`); `undefined` without an outbox.
   * @internal
   */
  sharedDatabase(): Promise<Database> | undefined {
    return this.#connection?.ready();
  }

  /** Opens the database, applies migrations (under an advisory lock) and starts the worker unless disabled. */
  async start(): Promise<void> {
    if (this.#options === undefined) return;
    // Optional peers fail here, at start, rather than on the first paced delivery.
    if ([...this.#options.destinations.values()].some((d) => d.ratePerSecond !== undefined)) await loadBottleneck(PACING_FEATURE);
    try {
      await this.#conn.ready();
    } catch (error) {
      // A package that is not installed is a setup mistake, not an outage: say so now.
      if (isMissingPeerError(error)) throw error;
      // An outage at boot degrades: the worker keeps retrying, enqueue answers OutboxUnavailableError.
      this.#deps.logger.error({ err: error }, 'ballast: outbox database not ready at start; retrying in the background');
    }
    if (!this.#options.worker.enabled || this.#worker !== undefined) return;
    const { events, logger } = this.#deps;
    const worker = new OutboxWorker(
      { db: this.#conn.deferred(), schema: this.schema, settings: this.#options.worker, events, logger },
      this.destinations.map((name) => this.runtime(name)),
      `${this.schema}_outbox`,
      {
        crashed: (error, restartInMs) => events.emit('worker:crashed', { worker: 'outbox', error, restartInMs }),
        restarted: (restarts) => events.emit('worker:restarted', { worker: 'outbox', restarts }),
      },
    );
    this.#worker = worker;
    const conn = this.#conn;
    this.#pruner = startPruner({
      database: async () => ({ db: await conn.ready(), schema: this.schema }),
      retentionMs: this.#options.deliveredKeyRetentionMs,
      prune: pruneDeliveredKeys,
      what: 'delivered outbox idempotency keys',
      logger,
    });
    await worker.start();
  }

  /** Stops claiming, finishes or releases in-flight work, closes what Ballast opened. */
  async stop(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    const pruner = this.#pruner;
    this.#pruner = undefined;
    await Promise.all([worker?.stop(), pruner?.stop()]);
    this.#hints?.close();
    this.#hints = undefined;
    await Promise.all([...this.#runtimes.values()].map((r) => r.close()));
    this.#runtimes.clear();
    await this.#connection?.close();
  }

  get #resolved(): ResolvedOutboxOptions {
    if (this.#options === undefined) throw notConfigured();
    return this.#options;
  }

  #settings(destination: string) {
    const settings = this.#resolved.destinations.get(destination);
    if (settings === undefined) throw new UnknownNameError('outbox destination', destination);
    return settings;
  }

  async #setPaused(destination: string, paused: boolean, actor: string): Promise<void> {
    this.#settings(destination);
    const before = await this.#run((db) => setPaused(db, this.schema, destination, paused));
    this.#deps.audit.record({ actor, action: paused ? 'outbox.pause' : 'outbox.resume', target: destination, before: { paused: before }, after: { paused } });
    this.#deps.logger.info({ actor, destination, paused }, 'ballast: outbox destination pause changed');
    if (!paused) this.#hints?.committed();
  }

  #run<T>(fn: (db: SqlClient) => Promise<T>): Promise<T> {
    return this.#conn.run(fn);
  }

  get #conn(): OutboxConnection {
    if (this.#connection === undefined) throw notConfigured();
    return this.#connection;
  }
}
