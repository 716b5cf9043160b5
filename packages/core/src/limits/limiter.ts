import { effectiveBurst, type LimitPatch, type LimitSettings } from './settings.js';
import { TokenBucket } from './tokenBucket.js';

export type ShedReason = 'queue_full' | 'queue_timeout' | 'rate' | 'closed';

/** Why and for how long a request was turned away. */
export interface Shed {
  readonly limit: string;
  readonly reason: ShedReason;
  /** Whole seconds for the `Retry-After` header, at least 1. */
  readonly retryAfterSeconds: number;
}

/** Live counters of one limit. */
export interface LimitStats {
  running: number;
  queued: number;
  admitted: number;
  shed: number;
  shedByReason: Record<ShedReason, number>;
}

/** A request waiting for a slot: a node of the limiter's doubly linked queue. */
export class Waiter {
  prev: Waiter | null = null;
  next: Waiter | null = null;
  timer: NodeJS.Timeout | undefined = undefined;
  /** Settles with `null` once admitted, the shed verdict, or `CANCELLED`. */
  settle!: (verdict: Shed | null | typeof CANCELLED) => void;
  readonly promise: Promise<Shed | null | typeof CANCELLED>;

  constructor() {
    this.promise = new Promise((resolve) => {
      this.settle = resolve;
    });
  }
}

/** Result of `Limiter.acquire` when a slot was taken at once. */
export const ADMITTED = 0 as const;
/** How a waiter settles when its client went away before it was admitted. */
export const CANCELLED = 1 as const;

/**
 * One named limit: a concurrency cap, a bounded FIFO queue with a deadline and an
 * optional token bucket. Synchronous and allocation-free when a slot is free.
 */
export class Limiter {
  readonly name: string;
  #settings: LimitSettings;
  #bucket: TokenBucket | null;
  version = 1;
  running = 0;
  queued = 0;
  admitted = 0;
  readonly shedByReason: Record<ShedReason, number> = { queue_full: 0, queue_timeout: 0, rate: 0, closed: 0 };
  #head: Waiter | null = null;
  #tail: Waiter | null = null;

  constructor(name: string, settings: LimitSettings) {
    this.name = name;
    this.#settings = settings;
    this.#bucket = makeBucket(settings);
  }

  get settings(): Readonly<LimitSettings> {
    return this.#settings;
  }

  get stats(): LimitStats {
    const s = this.shedByReason;
    return {
      running: this.running,
      queued: this.queued,
      admitted: this.admitted,
      shed: s.queue_full + s.queue_timeout + s.rate + s.closed,
      shedByReason: { ...s },
    };
  }

  /**
   * Admission order: closed → rate → slot or queue. A token is spent only by a
   * request that is admitted or queued.
   */
  acquire(): typeof ADMITTED | Waiter | Shed {
    const s = this.#settings;
    if (s.maxConcurrent === 0) return this.#shed('closed');
    const bucket = this.#bucket;
    if (bucket !== null && !bucket.hasToken()) return this.#shed('rate');
    if (this.running < s.maxConcurrent && this.queued === 0) {
      bucket?.spend();
      this.running++;
      this.admitted++;
      return ADMITTED;
    }
    if (this.queued >= s.maxQueue) return this.#shed('queue_full');
    bucket?.spend();
    return this.#enqueue(s.queueTimeoutMs);
  }

  /** Frees a slot taken by `acquire` and admits the next waiter if there is room. */
  release(): void {
    this.running--;
    if (this.#head !== null) this.#drain();
  }

  /** Undoes an admission that did not go through (a later limit of the same request shed it). */
  rollback(): void {
    this.running--;
    this.admitted--;
    this.#bucket?.refund();
    if (this.#head !== null) this.#drain();
  }

  /** Removes a waiter whose client went away; it is neither admitted nor shed. */
  cancel(waiter: Waiter): void {
    if (this.#unlink(waiter)) waiter.settle(CANCELLED);
  }

  /** Applies a validated patch; never waits for or cancels running work. Returns the new settings. */
  update(patch: LimitPatch): LimitSettings {
    const before = this.#settings;
    const next: LimitSettings = { ...before, ...patch };
    this.#settings = next;
    if (next.ratePerSecond !== before.ratePerSecond || effectiveBurst(next) !== effectiveBurst(before)) {
      if (next.ratePerSecond === null) this.#bucket = null;
      else if (this.#bucket === null) this.#bucket = makeBucket(next);
      else this.#bucket.retune(next.ratePerSecond, effectiveBurst(next));
    }
    this.version++;
    if (next.maxConcurrent === 0) {
      while (this.#head !== null) this.#shedWaiter(this.#head, 'closed');
    }
    while (this.queued > next.maxQueue && this.#tail !== null) this.#shedWaiter(this.#tail, 'queue_full');
    this.#drain();
    return next;
  }

  /** Sheds every waiter, e.g. on shutdown. */
  closeQueue(): void {
    while (this.#head !== null) this.#shedWaiter(this.#head, 'closed');
  }

  #enqueue(timeoutMs: number): Waiter {
    const waiter = new Waiter();
    waiter.prev = this.#tail;
    if (this.#tail === null) this.#head = waiter;
    else this.#tail.next = waiter;
    this.#tail = waiter;
    this.queued++;
    waiter.timer = setTimeout(() => {
      waiter.timer = undefined;
      this.#shedWaiter(waiter, 'queue_timeout');
    }, timeoutMs);
    return waiter;
  }

  #drain(): void {
    const max = this.#settings.maxConcurrent;
    while (this.#head !== null && this.running < max) {
      const waiter = this.#head;
      this.#unlink(waiter);
      this.running++;
      this.admitted++;
      waiter.settle(null);
    }
  }

  #unlink(waiter: Waiter): boolean {
    const linked = waiter.prev !== null || this.#head === waiter;
    if (!linked) return false;
    if (waiter.prev === null) this.#head = waiter.next;
    else waiter.prev.next = waiter.next;
    if (waiter.next === null) this.#tail = waiter.prev;
    else waiter.next.prev = waiter.prev;
    waiter.prev = waiter.next = null;
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    waiter.timer = undefined;
    this.queued--;
    return true;
  }

  #shedWaiter(waiter: Waiter, reason: ShedReason): void {
    if (this.#unlink(waiter)) waiter.settle(this.#shed(reason));
  }

  #shed(reason: ShedReason): Shed {
    this.shedByReason[reason]++;
    const retryAfterSeconds =
      reason === 'rate' && this.#bucket !== null
        ? Math.max(1, Math.ceil(this.#bucket.secondsUntilToken()))
        : Math.max(1, Math.ceil(this.#settings.queueTimeoutMs / 1000));
    return { limit: this.name, reason, retryAfterSeconds };
  }
}

function makeBucket(settings: LimitSettings): TokenBucket | null {
  return settings.ratePerSecond === null ? null : new TokenBucket(settings.ratePerSecond, effectiveBurst(settings));
}
