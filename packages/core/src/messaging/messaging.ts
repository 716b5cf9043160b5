import type { AuditLog } from '../admin/audit.js';
import { UnknownNameError } from '../errors/index.js';
import type { SafeEmitter } from '../events/index.js';
import { uuidv7At } from '../outbox/ids.js';
import type { Database } from '../outbox/store/index.js';
import { isMissingPeerError } from '../peers/index.js';
import type { Logger } from '../util/logger.js';
import { createBroker } from './brokers/index.js';
import { errorText } from './broker.js';
import { checkMessage, checkTopic, encodeMessage, isoTime } from './message.js';
import type { ResolvedBroker, ResolvedMessagingOptions } from './options.js';
import { DeadlineSweep } from './deadlines.js';
import { deleteOlderThan } from '../outbox/sql/prune.js';
import { startPruner } from '../outbox/worker/pruner.js';
import { listDead } from './sql/listDead.js';
import type { Supervised } from '../outbox/worker/supervisor.js';
import { publishToOne, type Publisher } from './publisher.js';
import { BrokerSlot, type BrokerView } from './slot.js';
import { resolveSubscribeOptions } from './subscribeOptions.js';
import { Subscription } from './subscription.js';
import type { DeadLetter, DedupeMode, MessageHandler, MessageSchema, MessagingEvents, PublishReceipt, SubscribeOptions, SubscriptionStats } from './types.js';

/** Dead messages `GET /subscriptions/dead` lists from the database. */
const DEAD_LISTED = 1000;

export interface MessagingDeps {
  events: SafeEmitter<MessagingEvents>;
  logger: Logger;
  audit: AuditLog;
  /** The outbox's database (PGlite when none is set), opened and migrated on first use. */
  database(): Promise<{ db: Database; schema: string }>;
  /** An outbox (so a database) is configured: dead messages of every subscription are stored there. */
  durableDead: boolean;
}

/** A running subscription; `stop()` leaves its durable groups, streams and queues in place. */
export interface SubscriptionHandle {
  readonly topic: string;
  readonly group: string;
  stats(): SubscriptionStats;
  /** Resolves once every broker's durable group exists (after `start()`): from then on nothing published is missed. */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Publish one, subscribe many: each message goes to one broker, every
 * subscription consumes from all of them. Brokers connect in `start()` and
 * close in `stop()`.
 */
export class Messaging {
  readonly #slots: BrokerSlot[];
  readonly #options: ResolvedMessagingOptions;
  readonly #deps: MessagingDeps;
  readonly #subscriptions = new Set<Subscription>();
  readonly #publisher: Publisher;
  /** Background deletes of old rows, by table: `dedupe: 'postgres'` ids and stored dead messages, while a subscription writes them. */
  readonly #pruners = new Map<string, Supervised>();
  #started = false;

  constructor(brokers: Record<string, ResolvedBroker>, options: ResolvedMessagingOptions, deps: MessagingDeps) {
    this.#slots = Object.entries(brokers).map(([name, b]) => new BrokerSlot(createBroker(name, b, options.confirmTimeoutMs)));
    this.#options = options;
    this.#deps = deps;
    this.#publisher = { slots: this.#slots, options, sweep: new DeadlineSweep() };
  }

  /** Names of the configured brokers. */
  get brokers(): string[] {
    return this.#slots.map((s) => s.name);
  }

  /** Validates, then sends to one broker; resolves once it confirmed. An invalid message rejects (never throws). */
  publish(topic: string, message: unknown, id?: string): Promise<PublishReceipt> {
    // One clock read per publish: the id's time, `publishedAt` and the deadlines agree.
    const now = Date.now();
    const messageId = id ?? uuidv7At(now);
    let body: string;
    try {
      checkTopic(topic);
      body = encodeMessage(messageId, topic, isoTime(now), checkMessage(message));
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return publishToOne(this.#publisher, topic, body, messageId, now);
  }

  subscribe<S extends MessageSchema | undefined, D extends DedupeMode>(
    topic: string,
    options: SubscribeOptions<S, D>,
    handler: MessageHandler<S, D>,
  ): SubscriptionHandle {
    const resolved = resolveSubscribeOptions(topic, options);
    const subscription = new Subscription(resolved, handler as MessageHandler<MessageSchema | undefined, DedupeMode>, {
      database: this.#deps.database,
      durableDead: this.#deps.durableDead,
      onDead: (letter) => {
        this.#deps.logger.warn({ topic: letter.topic, group: letter.group, id: letter.id, reason: letter.reason, error: letter.error }, 'ballast: message moved to dead');
        this.#deps.events.emit('message:dead', letter);
      },
    });
    this.#subscriptions.add(subscription);
    if (this.#started) this.#consume(subscription);
    return {
      topic: resolved.topic,
      group: resolved.group,
      stats: () => subscription.stats(),
      ready: () => subscription.ready,
      stop: async () => {
        this.#subscriptions.delete(subscription);
        await subscription.stop();
      },
    };
  }

  /** Stops choosing the broker for publishing (`true`) or chooses it again; consumers keep reading it either way. */
  drain(name: string, drain: boolean, actor = 'code'): BrokerView {
    const slot = this.#slot(name);
    const before = slot.drained;
    if (before !== drain) {
      slot.drained = drain;
      this.#deps.audit.record({ actor, action: 'broker.drain', target: name, before: { drain: before }, after: { drain } });
      this.#deps.logger.info({ actor, broker: name, drain }, 'ballast: broker drain changed');
      this.#deps.events.emit('broker:drain', { broker: name, drain, actor });
    }
    return slot.view();
  }

  /** Each broker's state and counters. */
  views(): Record<string, BrokerView> {
    return Object.fromEntries(this.#slots.map((s) => [s.name, s.view()]));
  }

  view(name: string): BrokerView {
    return this.#slot(name).view();
  }

  /** Each subscription's counts. */
  subscriptions(): SubscriptionStats[] {
    return [...this.#subscriptions].map((s) => s.stats());
  }

  /**
   * Dead messages, oldest first: the newest 1,000 stored in the database (from every instance) when
   * dead messages are stored there, plus those this instance keeps in memory (no database).
   */
  async dead(): Promise<DeadLetter[]> {
    const subscriptions = [...this.#subscriptions];
    const memory = subscriptions.flatMap((s) => s.deadLetters);
    let stored: DeadLetter[] = [];
    if (this.#deps.durableDead || subscriptions.some((s) => s.durableDead)) {
      const { db, schema } = await this.#deps.database();
      stored = await listDead(db, schema, DEAD_LISTED);
    }
    return [...stored, ...memory].sort((a, b) => a.deadAt.localeCompare(b.deadAt));
  }

  async start(): Promise<void> {
    if (this.#started || this.#slots.length === 0) return;
    this.#started = true;
    const failures = await Promise.all(
      this.#slots.map((s) =>
        s.broker.connect().then(
          () => undefined,
          (error: unknown) => {
            this.#deps.logger.error({ broker: s.name, err: error }, `ballast: broker "${s.name}" failed to start: ${errorText(error)}`);
            return error;
          },
        ),
      ),
    );
    // A broker client that is not installed will not appear by retrying: say which package to install.
    const missing = failures.find(isMissingPeerError);
    if (missing !== undefined) {
      this.#started = false;
      await Promise.allSettled(this.#slots.map((s) => s.broker.close()));
      throw missing;
    }
    for (const subscription of this.#subscriptions) this.#consume(subscription);
  }

  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    const pruners = [...this.#pruners.values()];
    this.#pruners.clear();
    await Promise.all(pruners.map((p) => p.stop()));
    await Promise.allSettled([...this.#subscriptions].map((s) => s.stop()));
    await Promise.allSettled(this.#slots.map((s) => s.broker.close()));
  }

  #consume(subscription: Subscription): void {
    const { topic, group, dedupe } = subscription.options;
    if (dedupe === 'postgres') this.#keepPruned('message_dedupe', 'seen_at', this.#options.dedupeRetentionMs, 'message dedupe ids');
    if (subscription.durableDead) this.#keepPruned('message_dead', 'dead_at', this.#options.deadRetentionMs, 'dead messages');
    subscription.attach(
      this.#slots.map((slot) =>
        slot.broker.consume(topic, group, async (body) => {
          await subscription.deliver(body, slot.name);
          slot.consumed++;
        }),
      ),
    );
  }

  /** Keeps `table` from growing without end: rows whose `column` is older than `retentionMs` go, a batch at a time, in the background. */
  #keepPruned(table: 'message_dedupe' | 'message_dead', column: string, retentionMs: number, what: string): void {
    if (this.#pruners.has(table)) return;
    const pruner = startPruner({
      database: this.#deps.database,
      retentionMs,
      prune: (db, schema, ms, batch) => deleteOlderThan(db, `${schema}.${table}`, column, ms, batch),
      what,
      logger: this.#deps.logger,
    });
    this.#pruners.set(table, pruner);
  }

  #slot(name: string): BrokerSlot {
    const slot = this.#slots.find((s) => s.name === name);
    if (slot === undefined) throw new UnknownNameError('broker', name);
    return slot;
  }
}
