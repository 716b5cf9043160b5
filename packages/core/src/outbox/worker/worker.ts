import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { DestinationRuntime } from '../destination.js';
import { releaseMessages, type AdvancedRow } from '../sql/index.js';
import { AckBatcher } from './acks.js';
import { Claims } from './claims.js';
import { deliverClaimed, type AbortReason, type DeliveryContext } from './delivery.js';
import { LeaseBatch, type QueuedRow } from './leases.js';
import { LocalQueue } from './local-queue.js';
import { OutcomeWriter } from './outcomes.js';
import { supervise, type Supervised } from './supervisor.js';
import { Sleeper } from './sleeper.js';

/** A claimed row that never started, as far as giving it back needs. */
type Unstarted = Pick<QueuedRow, 'row' | 'batch'>;

/** After aborting the deliveries left at shutdown, how long to wait for them to release their leases. */
const RELEASE_WAIT_MS = 1000;
/** Longest wait before the loop runs again after it failed: a restarted database is back in use within about this. */
const MAX_RESTART_DELAY_MS = 1000;

/** Resolves when `promise` settles or after `ms`, whichever is first, leaving no timer behind. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/**
 * The delivery worker of one process: a supervised loop that claims ready
 * messages per destination (skipping destinations whose breaker is open or
 * whose pace is used up) into a local queue, and runs at most `concurrency`
 * deliveries from it at once. Claiming ahead (up to `batchSize` rows beyond
 * the running ones, fewer when deliveries are slow) lets fast destinations get
 * big claims — one round trip for many messages — without more concurrent
 * calls. It sleeps until a wake-up hint (NOTIFY, a local enqueue, room in the
 * queue, a retry falling due) or the polling floor.
 */
export class OutboxWorker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  readonly #ctx: DeliveryContext;
  readonly #acks: AckBatcher;
  readonly #writer: OutcomeWriter;
  readonly #claims: Claims;
  /** The loop failed since it last ran: claims may have been lost with the connection (see `releaseOrphans`). */
  #failed = false;
  readonly #destinations: DestinationRuntime[];
  readonly #byName: Map<string, DestinationRuntime>;
  readonly #channel: string | undefined;
  readonly #hooks: Parameters<typeof supervise>[1];
  /** Every started row until its outcome is written. */
  readonly #held = new Set<Promise<void>>();
  /** Deliveries whose attempt is still running: what `concurrency` bounds. */
  #attempting = 0;
  readonly #batches = new Set<LeaseBatch>();
  readonly #sleeper = new Sleeper();
  readonly #queue: LocalQueue;
  #rotation = 0;
  /**
   * The last claim round may have left ready rows in the table: a claim came back full, or room or a
   * destination's allowance cut it short. Only then does a finished delivery wake the loop to claim
   * again; otherwise anything new arrives with its own wake-up (an enqueue, NOTIFY, a retry's timer)
   * and a claim per delivery would find nothing (at 200 messages/s, half the claims were empty, and a
   * message enqueued during an empty claim waited for it to end).
   */
  #behind = false;
  #supervised: Supervised | undefined;
  #unlisten: (() => Promise<void>) | undefined;

  constructor(
    ctx: Omit<DeliveryContext, 'workerId' | 'wakeIn' | 'complete' | 'write'>,
    destinations: DestinationRuntime[],
    channel: string | undefined,
    hooks: Parameters<typeof supervise>[1],
  ) {
    this.#writer = new OutcomeWriter(ctx.logger);
    this.#claims = new Claims(ctx.db, ctx.schema, this.id, ctx.settings.leaseMs);
    this.#acks = new AckBatcher(ctx.db, ctx.schema, this.id, this.#writer, {
      leaseMs: ctx.settings.leaseMs,
      onAdvanced: (rows, sentAt) => this.#advanced(rows, sentAt),
    });
    this.#ctx = {
      ...ctx,
      workerId: this.id,
      wakeIn: (ms) => this.#wakeIn(ms),
      // A keyed ack leases the key's next message in the same statement while the worker runs and the
      // destination takes messages: its delivery needs no claim (see `completeMessages`).
      complete: (ack, destination) => this.#acks.complete(ack, ack.leaseRow !== null && this.#supervised !== undefined && destination.allowance > 0),
      write: (what, write) => this.#writer.write(what, write),
    };
    this.#queue = new LocalQueue(ctx.settings);
    this.#destinations = destinations;
    this.#byName = new Map(destinations.map((d) => [d.name, d]));
    this.#channel = channel;
    this.#hooks = {
      ...hooks,
      crashed: (error, restartInMs) => {
        this.#failed = true;
        hooks.crashed(error, restartInMs);
      },
    };
  }

  /** Deliveries running now. */
  get inFlight(): number {
    return this.#attempting;
  }

  async start(): Promise<void> {
    if (this.#supervised !== undefined) return;
    this.#supervised = supervise((signal, healthy) => this.#loop(signal, healthy), this.#hooks, this.#ctx.logger, {
      maxDelayMs: MAX_RESTART_DELAY_MS,
    });
  }

  /** Asks the loop to claim again now (it never loses a wake-up that arrives mid-round). */
  wake(): void {
    this.#sleeper.wake();
  }

  /** Stops claiming, gives queued rows back, lets running deliveries finish within `shutdownTimeoutMs`, then aborts and releases the rest. */
  async stop(): Promise<void> {
    const supervised = this.#supervised;
    this.#supervised = undefined;
    await supervised?.stop();
    this.#sleeper.cancel();
    await this.#unlisten?.().catch(() => {});
    this.#unlisten = undefined;
    await this.#giveBack(this.#queue.takeAll());
    const allDone = (): Promise<unknown> => Promise.all(this.#held);
    await within(allDone(), this.#ctx.settings.shutdownTimeoutMs);
    for (const batch of this.#batches) batch.abort('shutdown' satisfies AbortReason);
    await within(allDone(), RELEASE_WAIT_MS);
    this.#writer.stop();
    await within(allDone(), RELEASE_WAIT_MS);
  }

  async #loop(signal: AbortSignal, healthy: () => void): Promise<void> {
    if (this.#failed) {
      // With no ack in flight: one kept through the outage may be advancing keys to this worker right now.
      const released = await untilAborted(
        this.#acks.between(() => (signal.aborted ? Promise.resolve(undefined) : this.#claims.releaseLost())),
        signal,
      );
      if (released === undefined) return;
      this.#failed = false;
      if (released > 0) this.#ctx.logger.warn({ released }, 'ballast: released outbox claims whose answer was lost with the connection');
    }
    while (!signal.aborted) {
      await this.#listen();
      const filled = await this.#claimRound(signal);
      await this.#claims.pruneIdleKeys();
      healthy();
      if (signal.aborted) return;
      if (filled && this.#room() >= this.#queue.lowWater()) continue;
      await this.#sleeper.sleep(this.#ctx.settings.pollIntervalMs, signal);
    }
  }

  /** LISTENs once the database is reachable; until then a failure here restarts the loop like any other. */
  async #listen(): Promise<void> {
    if (this.#unlisten !== undefined || this.#channel === undefined) return;
    this.#unlisten = await this.#ctx.db.listen(this.#channel, { notify: () => this.wake(), reconnected: () => this.wake() });
  }

  #room(): number {
    return this.#queue.room(this.#held.size);
  }

  /** One pass over the destinations, starting at a rotating one so none starves the others. True when a claim came back full. */
  async #claimRound(signal: AbortSignal): Promise<boolean> {
    const { settings } = this.#ctx;
    const count = this.#destinations.length;
    const first = this.#rotation++ % Math.max(1, count);
    let filled = false;
    // Room or a destination's allowance cut the round short: ready rows may be left behind.
    let cut = false;
    for (let i = 0; i < count && !signal.aborted; i++) {
      const destination = this.#destinations[(first + i) % count] as DestinationRuntime;
      const room = this.#room();
      if (room <= 0) {
        cut = true;
        break;
      }
      const limit = Math.min(room, settings.batchSize, destination.allowance);
      if (limit <= 0) {
        cut = true;
        continue;
      }
      const claimedAt = performance.now();
      const rows = await this.#claims.claim(destination.name, limit);
      if (rows.length === 0) continue;
      filled ||= rows.length === limit;
      const batch = new LeaseBatch(rows.length, claimedAt, settings.leaseMs);
      this.#batches.add(batch);
      for (const row of rows) this.#queue.push({ destination, row, batch });
      this.#pump();
    }
    this.#behind = cut || filled;
    return filled;
  }

  /** Starts queued rows while slots are free; rows that waited too long go back to the table. */
  #pump(): void {
    const stale: QueuedRow[] = [];
    while (this.#attempting < this.#ctx.settings.concurrency && this.#supervised !== undefined) {
      const next = this.#queue.next(stale);
      if (next === undefined) break;
      this.#start(next);
    }
    if (stale.length > 0) void this.#giveBack(stale).finally(() => this.wake());
  }

  #start({ destination, row, batch }: QueuedRow): void {
    const signal = batch.begin();
    let attempting = true;
    this.#attempting++;
    // Both callbacks inline: the build keeps function names (`keepNames`), which wraps a closure bound to a
    // name in an `Object.defineProperty` call each time it is made (~5k instructions per delivery).
    // `then`, not `finally`: deliverClaimed never rejects, and `finally` costs two more promises per message.
    const done = deliverClaimed(this.#ctx, destination, row, signal, (durationMs) => {
      // The slot frees when the attempt ends; writing the outcome (batched acks) overlaps the next deliveries.
      attempting = false;
      this.#attempting--;
      this.#queue.observe(durationMs);
      this.#pump();
    }).then(() => {
      if (attempting) {
        // deliverClaimed calls back on every path; should it ever not, the slot still frees.
        attempting = false;
        this.#attempting--;
        this.#pump();
      }
      this.#held.delete(done);
      this.#claims.settled(row.id);
      this.#settled(batch, true);
      // When the last round left rows behind, claim again once there is room for a good batch, or at
      // once when idle. When the message had a key and nothing is queued, claim again anyway: its
      // successor may be ready now (with rows queued, the next claim comes soon enough and a bigger
      // one costs less per row).
      const keyedIdle = row.key !== null && this.#queue.length === 0;
      const refill = this.#behind && (this.#held.size + this.#queue.length === 0 || this.#room() >= this.#queue.lowWater());
      if (keyedIdle || refill) this.wake();
    });
    this.#held.add(done);
  }

  /**
   * Rows an ack leased in place of the ones it deleted (their keys' next messages): queued like a claim's
   * rows, on a lease that started when the ack was sent; given back at once when the worker is stopping.
   */
  async #advanced(rows: AdvancedRow[], sentAt: number): Promise<void> {
    const batch = new LeaseBatch(rows.length, sentAt, this.#ctx.settings.leaseMs);
    this.#batches.add(batch);
    this.#claims.adopt(rows);
    const orphans: Unstarted[] = [];
    for (const row of rows) {
      // The destination is always known (an ack advances only its own messages' keys); stopping, it goes back.
      const destination = this.#byName.get(row.destination);
      if (destination === undefined || this.#supervised === undefined) orphans.push({ row, batch });
      else this.#queue.push({ destination, row, batch });
    }
    this.#pump();
    await this.#giveBack(orphans);
  }

  #settled(batch: LeaseBatch, started: boolean): void {
    batch.end(started);
    if (batch.done) this.#batches.delete(batch);
  }

  /** Releases claimed rows that never started: ready at once, the attempt not counted. */
  async #giveBack(rows: Unstarted[]): Promise<void> {
    if (rows.length === 0) return;
    const leases = rows.map(({ row }) => ({ id: row.id, workerId: this.id, attempt: row.attempts }));
    try {
      await releaseMessages(this.#ctx.db, this.#ctx.schema, this.id, leases);
    } catch (error) {
      this.#ctx.logger.warn({ err: error, count: rows.length }, 'ballast: could not give back queued outbox messages; their leases will expire');
    }
    for (const { batch, row } of rows) {
      this.#claims.settled(row.id);
      this.#settled(batch, false);
    }
  }

  /** A retry falls due in `ms`: wake then rather than at the next poll. */
  #wakeIn(ms: number): void {
    if (ms < this.#ctx.settings.pollIntervalMs && this.#supervised !== undefined) this.#sleeper.wakeIn(ms);
  }
}

/** `work`'s value, or `undefined` once `signal` aborts first (stopping must not wait for an outage to end). */
function untilAborted<T>(work: Promise<T | undefined>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
