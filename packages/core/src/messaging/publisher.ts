import type { Ticket } from '../dependencies/index.js';
import { errorText } from './broker.js';
import { PublishError } from './errors.js';
import type { ResolvedMessagingOptions } from './options.js';
import type { BrokerSlot } from './slot.js';
import type { PublishReceipt } from './types.js';
import type { DeadlineSweep, Expiring } from './deadlines.js';

/** What every publish of one `Messaging` shares: its brokers, its timeouts and the sweep that enforces them. */
export interface Publisher {
  readonly slots: readonly BrokerSlot[];
  readonly options: ResolvedMessagingOptions;
  readonly sweep: DeadlineSweep;
}

/**
 * Sends one message to exactly one broker: the healthiest (breaker closed,
 * lowest recent confirm latency) first, the next on an error or when no
 * confirm came within `confirmTimeoutMs`. A timed-out broker may still store
 * the message, so a subscriber can see it twice; the id lets it drop the copy.
 *
 * One object and one promise per publish; confirm deadlines are enforced by a
 * shared sweep, not a timer per publish (measured: the per-publish work was a
 * fifth of the client CPU of a confirmed XADD).
 *
 * `body` is the encoded message `id`; `now` the time the publish began (ms since the epoch).
 */
export function publishToOne(publisher: Publisher, topic: string, body: string, id: string, now: number): Promise<PublishReceipt> {
  return new Promise((resolve, reject) => new Publishing(publisher, topic, body, id, now, resolve, reject).next(now));
}

class Publishing implements Expiring {
  readonly #publisher: Publisher;
  readonly #topic: string;
  readonly #body: string;
  readonly #id: string;
  readonly #resolve: (receipt: PublishReceipt) => void;
  readonly #reject: (error: Error) => void;
  /** When `publishTimeoutMs` runs out. */
  readonly #publishDeadline: number;
  /** Brokers tried so far, with what they answered; created only when the first try fails. */
  #attempts: Map<BrokerSlot, string> | undefined;
  /** The try in progress; a broker's answer to an earlier try is ignored. */
  #slot: BrokerSlot | undefined;
  #ticket: Ticket | undefined;
  #began = 0;
  #try = 0;
  deadline = 0;
  listedAt = -1;

  constructor(publisher: Publisher, topic: string, body: string, id: string, now: number, resolve: (receipt: PublishReceipt) => void, reject: (error: Error) => void) {
    this.#publisher = publisher;
    this.#topic = topic;
    this.#body = body;
    this.#id = id;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#publishDeadline = now + publisher.options.publishTimeoutMs;
  }

  /** Tries the best untried broker, or gives up with `PublishError` when none is left or time ran out. */
  next(now: number): void {
    for (let slot = this.#best(now); slot !== undefined; slot = this.#best(now)) {
      const ticket = now < this.#publishDeadline ? slot.admit(now) : undefined;
      if (ticket === undefined) {
        this.#tried(slot, now < this.#publishDeadline ? 'skipped: breaker open' : 'skipped: publishTimeoutMs elapsed');
        continue;
      }
      const attempt = ++this.#try;
      this.#slot = slot;
      this.#ticket = ticket;
      this.#began = now;
      this.deadline = Math.min(now + this.#publisher.options.confirmTimeoutMs, this.#publishDeadline);
      this.#publisher.sweep.add(this);
      let sent: Promise<unknown>;
      try {
        sent = slot.broker.publish(this.#topic, this.#body, this.#id);
      } catch (error) {
        sent = Promise.reject(error as Error);
      }
      sent.then(
        () => this.#confirmed(attempt),
        (error: unknown) => this.#failed(attempt, errorText(error)),
      );
      return;
    }
    const attempts: Record<string, string> = {};
    for (const slot of this.#publisher.slots) {
      attempts[slot.name] = this.#attempts?.get(slot) ?? `skipped: ${slot.state === 'up' ? 'breaker open' : slot.state}`;
    }
    this.#reject(new PublishError(this.#topic, attempts));
  }

  /** Called by the sweep once `deadline` passed without an answer. */
  expire(now: number): void {
    const slot = this.#slot;
    if (slot === undefined) return;
    this.#failed(this.#try, `not confirmed within ${now - this.#began} ms`);
  }

  #confirmed(attempt: number): void {
    const slot = this.#slot;
    if (attempt !== this.#try || slot === undefined) return;
    this.#publisher.sweep.delete(this);
    const now = Date.now();
    slot.confirmed(this.#ticket as Ticket, now - this.#began, now);
    this.#slot = undefined;
    this.#resolve({ id: this.#id, broker: slot.name });
  }

  #failed(attempt: number, error: string): void {
    const slot = this.#slot;
    if (attempt !== this.#try || slot === undefined) return;
    this.#publisher.sweep.delete(this);
    this.#try++;
    this.#slot = undefined;
    const now = Date.now();
    slot.failed(this.#ticket as Ticket, now, error);
    this.#tried(slot, error);
    this.next(now);
  }

  #tried(slot: BrokerSlot, outcome: string): void {
    (this.#attempts ??= new Map()).set(slot, outcome);
  }

  /** The untried broker with the lowest rank, if any may be chosen now. */
  #best(now: number): BrokerSlot | undefined {
    let chosen: BrokerSlot | undefined;
    let chosenRank = Infinity;
    for (const slot of this.#publisher.slots) {
      if (this.#attempts?.has(slot) === true) continue;
      const rank = slot.rank(now);
      if (rank !== undefined && rank < chosenRank) {
        chosen = slot;
        chosenRank = rank;
      }
    }
    return chosen;
  }
}
