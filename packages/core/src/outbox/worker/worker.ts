import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { DestinationRuntime } from '../destination.js';
import { claimMessages, type ClaimedRow } from '../sql/index.js';
import { AckBatcher } from './acks.js';
import { deliverClaimed, type AbortReason, type DeliveryContext } from './delivery.js';
import { supervise, type Supervised } from './supervisor.js';

/** Part of the lease kept back so a delivery aborted at lease end still has time to record its outcome. */
const LEASE_ABORT_FRACTION = 0.9;
/** After aborting the deliveries left at shutdown, how long to wait for them to release their leases. */
const RELEASE_WAIT_MS = 1000;

interface InFlight {
  controller: AbortController;
  done: Promise<void>;
}

/** Resolves when `promise` settles or after `ms`, whichever is first, leaving no timer behind. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/**
 * The delivery worker of one process: a supervised loop that claims ready
 * messages per destination (skipping destinations whose breaker is open or
 * whose pace is used up), runs at most `concurrency` deliveries at once, and
 * sleeps until a wake-up hint (NOTIFY, a local enqueue, a finished delivery,
 * a retry falling due) or the polling floor.
 */
export class OutboxWorker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  readonly #ctx: Omit<DeliveryContext, 'workerId' | 'wakeIn' | 'complete'>;
  readonly #acks: AckBatcher;
  readonly #destinations: DestinationRuntime[];
  readonly #channel: string | undefined;
  readonly #hooks: Parameters<typeof supervise>[1];
  readonly #inFlight = new Map<number, InFlight>();
  #nextDelivery = 0;
  #rotation = 0;
  #supervised: Supervised | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #wakePending = false;
  #endSleep: (() => void) | undefined;
  #retryTimer: { timer: NodeJS.Timeout; at: number } | undefined;

  constructor(
    ctx: Omit<DeliveryContext, 'workerId' | 'wakeIn' | 'complete'>,
    destinations: DestinationRuntime[],
    channel: string | undefined,
    hooks: Parameters<typeof supervise>[1],
  ) {
    this.#ctx = ctx;
    this.#destinations = destinations;
    this.#channel = channel;
    this.#hooks = hooks;
    this.#acks = new AckBatcher(ctx.db, ctx.schema, this.id);
  }

  /** Deliveries running now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  async start(): Promise<void> {
    if (this.#supervised !== undefined) return;
    this.#supervised = supervise((signal, healthy) => this.#loop(signal, healthy), this.#hooks, this.#ctx.logger);
  }

  /** Asks the loop to claim again now (it never loses a wake-up that arrives mid-round). */
  wake(): void {
    if (this.#endSleep !== undefined) this.#endSleep();
    else this.#wakePending = true;
  }

  /** Stops claiming, lets in-flight deliveries finish within `shutdownTimeoutMs`, then aborts and releases the rest. */
  async stop(): Promise<void> {
    const supervised = this.#supervised;
    this.#supervised = undefined;
    await supervised?.stop();
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer.timer);
    this.#retryTimer = undefined;
    await this.#unlisten?.().catch(() => {});
    this.#unlisten = undefined;
    const allDone = (): Promise<unknown> => Promise.all([...this.#inFlight.values()].map((f) => f.done));
    await within(allDone(), this.#ctx.settings.shutdownTimeoutMs);
    for (const f of this.#inFlight.values()) f.controller.abort('shutdown' satisfies AbortReason);
    await within(allDone(), RELEASE_WAIT_MS);
  }

  async #loop(signal: AbortSignal, healthy: () => void): Promise<void> {
    while (!signal.aborted) {
      await this.#listen();
      const claimed = await this.#claimRound(signal);
      healthy();
      if (signal.aborted) return;
      if (claimed > 0 && this.#inFlight.size < this.#ctx.settings.concurrency) continue;
      await this.#sleep(this.#ctx.settings.pollIntervalMs, signal);
    }
  }

  /** LISTENs once the database is reachable; until then a failure here restarts the loop like any other. */
  async #listen(): Promise<void> {
    if (this.#unlisten !== undefined || this.#channel === undefined) return;
    this.#unlisten = await this.#ctx.db.listen(this.#channel, { notify: () => this.wake(), reconnected: () => this.wake() });
  }

  /** One pass over the destinations, starting at a rotating one so none starves the others. */
  async #claimRound(signal: AbortSignal): Promise<number> {
    const { settings, db, schema } = this.#ctx;
    const count = this.#destinations.length;
    const first = this.#rotation++ % Math.max(1, count);
    let total = 0;
    for (let i = 0; i < count && !signal.aborted; i++) {
      const destination = this.#destinations[(first + i) % count] as DestinationRuntime;
      const free = settings.concurrency - this.#inFlight.size;
      if (free <= 0) break;
      const limit = Math.min(free, settings.batchSize, destination.allowance);
      if (limit <= 0) continue;
      const rows = await claimMessages(db, schema, {
        destination: destination.name,
        limit,
        workerId: this.id,
        leaseMs: settings.leaseMs,
      });
      for (const row of rows) this.#dispatch(destination, row);
      total += rows.length;
    }
    return total;
  }

  #dispatch(destination: DestinationRuntime, row: ClaimedRow): void {
    const controller = new AbortController();
    const leaseTimer = setTimeout(
      () => controller.abort('lease' satisfies AbortReason),
      Math.max(1, Math.floor(this.#ctx.settings.leaseMs * LEASE_ABORT_FRACTION)),
    );
    const ctx: DeliveryContext = {
      ...this.#ctx,
      workerId: this.id,
      wakeIn: (ms) => this.#wakeIn(ms),
      complete: (lease) => this.#acks.complete(lease),
    };
    const slot = this.#nextDelivery++;
    const done = deliverClaimed(ctx, destination, row, controller.signal).finally(() => {
      clearTimeout(leaseTimer);
      this.#inFlight.delete(slot);
      // Claim again once half the slots are free (bigger batches under load), or at
      // once when idle or when the message had a key (its successor may be ready now).
      const free = this.#ctx.settings.concurrency - this.#inFlight.size;
      if (row.key !== null || this.#inFlight.size === 0 || free >= Math.ceil(this.#ctx.settings.concurrency / 2)) this.wake();
    });
    this.#inFlight.set(slot, { controller, done });
  }

  /** A retry falls due in `ms`: wake then rather than at the next poll. */
  #wakeIn(ms: number): void {
    if (ms >= this.#ctx.settings.pollIntervalMs || this.#supervised === undefined) return;
    const at = Date.now() + ms;
    if (this.#retryTimer !== undefined && this.#retryTimer.at <= at) return;
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer.timer);
    const timer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.wake();
    }, ms + 1);
    this.#retryTimer = { timer, at };
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (this.#wakePending) {
      this.#wakePending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const end = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', end);
        this.#endSleep = undefined;
        resolve();
      };
      const timer = setTimeout(end, ms);
      signal.addEventListener('abort', end);
      this.#endSleep = end;
    });
  }
}
