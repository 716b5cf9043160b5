import type { Database, SqlClient } from '../outbox/store/index.js';
import { errorText, deferred, sleep, type Consumer } from './broker.js';
import { decodeMessage, type Message } from './message.js';
import { MemoryWindow } from './memoryWindow.js';
import { claimId } from './sql/claimId.js';
import { recordDead } from './sql/recordDead.js';
import type { DeadLetter, DedupeMode, MessageContext, MessageHandler, MessageSchema, SubscriptionStats } from './types.js';

const DEAD_KEPT = 1000;

export interface SubscriptionDeps {
  /** The outbox's database, for `dedupe: 'postgres'` and the durable dead list. */
  database(): Promise<{ db: Database; schema: string }>;
  /** Dead messages go to the database also with `dedupe: 'memory'` (an outbox database is configured). */
  durableDead: boolean;
  onDead(letter: DeadLetter): void;
}

export interface ResolvedSubscription {
  topic: string;
  group: string;
  dedupe: DedupeMode;
  schema: MessageSchema | undefined;
  maxAttempts: number;
}

type Outcome = 'handled' | 'duplicate' | 'dead';

/** Thrown when the outcome cannot be recorded (dedupe database down, stopping): the broker keeps the message. */
class LeaveWithBroker extends Error {}

/**
 * One `subscribe` call: decodes, checks the schema, drops duplicates, runs the
 * handler with retries and moves what keeps failing to its dead list. Every
 * broker's consumer of the topic and group feeds `deliver`.
 */
export class Subscription {
  readonly options: ResolvedSubscription;
  readonly #handler: MessageHandler<MessageSchema | undefined, DedupeMode>;
  readonly #deps: SubscriptionDeps;
  readonly #window = new MemoryWindow();
  readonly #inFlight = new Map<string, Promise<Outcome>>();
  readonly #stopped = new AbortController();
  #lastError = '';
  readonly deadLetters: DeadLetter[] = [];
  readonly consumers: Consumer[] = [];
  readonly #ready = deferred();
  handled = 0;
  retried = 0;
  dead = 0;
  duplicates = 0;

  constructor(options: ResolvedSubscription, handler: MessageHandler<MessageSchema | undefined, DedupeMode>, deps: SubscriptionDeps) {
    this.options = options;
    this.#handler = handler;
    this.#deps = deps;
  }

  get stopped(): boolean {
    return this.#stopped.signal.aborted;
  }

  stats(): SubscriptionStats {
    const { topic, group, dedupe } = this.options;
    return { topic, group, dedupe, handled: this.handled, retried: this.retried, dead: this.dead, duplicates: this.duplicates };
  }

  /** Dead messages are stored in the database (and listed from there), not kept in `deadLetters`. */
  get durableDead(): boolean {
    return this.options.dedupe === 'postgres' || this.#deps.durableDead;
  }

  /** Handles one delivery; resolves when the broker may forget it. */
  async deliver(body: string, broker: string): Promise<void> {
    if (this.stopped) throw new LeaveWithBroker('subscription stopped');
    const wire = decodeMessage(body);
    if (typeof wire === 'string') {
      await this.#toDead({ id: '', broker, reason: 'malformed', error: wire, attempts: 0, message: null, publishedAt: null });
      return;
    }
    const { message: raw, ...envelope } = wire;
    const letter = { id: envelope.id, broker, message: raw, publishedAt: envelope.publishedAt };
    const schema = this.options.schema;
    let message: Message = raw;
    if (schema !== undefined) {
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const error = issue === undefined ? 'schema failed' : `${issue.path.join('.') || '(message)'}: ${issue.message}`;
        await this.#toDead({ ...letter, reason: 'schema', error, attempts: 0 });
        return;
      }
      message = { ...raw, ...(parsed.data as Message) };
    }
    const id = envelope.id;
    const earlier = this.#inFlight.get(id);
    if (this.#window.has(id, Date.now()) || (earlier !== undefined && (await earlier.catch(() => undefined)) !== undefined)) {
      this.duplicates++;
      return;
    }
    const run = this.#attempts(message, { ...envelope, broker }, letter);
    this.#inFlight.set(id, run);
    try {
      const outcome = await run;
      if (outcome === 'duplicate') this.duplicates++;
      else this.#window.add(id, Date.now());
    } finally {
      this.#inFlight.delete(id);
    }
  }

  async #attempts(message: Message, base: Omit<MessageContext, 'attempt' | 'client'>, letter: Pick<DeadLetter, 'id' | 'broker' | 'message' | 'publishedAt'>): Promise<Outcome> {
    const { maxAttempts } = this.options;
    let lastError = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (this.stopped) throw new LeaveWithBroker('subscription stopped');
      const result = await this.#attempt(message, { ...base, attempt, client: undefined });
      if (result !== 'failed') {
        if (result === 'handled') this.handled++;
        return result;
      }
      lastError = this.#lastError;
      if (attempt < maxAttempts) {
        this.retried++;
        await sleep(Math.min(100 * 2 ** (attempt - 1), 2000), this.#stopped.signal);
      }
    }
    await this.#toDead({ ...letter, reason: 'handler', error: lastError, attempts: maxAttempts });
    return 'dead';
  }

  /** One handler run; 'failed' when the handler threw (anything else that fails leaves the message with the broker). */
  async #attempt(message: Message, ctx: MessageContext): Promise<'handled' | 'duplicate' | 'failed'> {
    if (this.options.dedupe === 'memory') {
      try {
        await this.#handler(message, ctx as MessageContext<'memory'>);
        return 'handled';
      } catch (error) {
        this.#lastError = errorText(error);
        return 'failed';
      }
    }
    let handlerFailed = false;
    try {
      const claimed = await this.#inTransaction(async (client) => {
        try {
          await this.#handler(message, { ...ctx, client } as MessageContext<'postgres'>);
        } catch (error) {
          handlerFailed = true;
          throw error;
        }
        return true;
      }, ctx.id);
      return claimed ? 'handled' : 'duplicate';
    } catch (error) {
      if (!handlerFailed) throw new LeaveWithBroker(errorText(error));
      this.#lastError = errorText(error);
      return 'failed';
    }
  }

  /** Claims the id in a transaction and runs `fn` in it; false (and `fn` not run) for a duplicate. */
  async #inTransaction(fn: (client: SqlClient, schema: string) => Promise<boolean>, id: string): Promise<boolean> {
    const { db, schema } = await this.#deps.database();
    const { topic, group } = this.options;
    return db.transaction(async (client) => {
      if (!(await claimId(client, schema, topic, group, id))) return false;
      return fn(client, schema);
    });
  }

  /**
   * Moves a message to the dead list. The broker forgets it once this resolves, so with a database the
   * row is written first (with `dedupe: 'postgres'` in the transaction that records the id, so a later
   * copy is a duplicate only once the dead row exists); when it cannot be written the broker keeps the message.
   */
  async #toDead(letter: Omit<DeadLetter, 'topic' | 'group' | 'deadAt'>): Promise<void> {
    const full: DeadLetter = { ...letter, topic: this.options.topic, group: this.options.group, deadAt: new Date().toISOString() };
    if (this.durableDead) {
      try {
        if (this.options.dedupe === 'postgres' && full.id !== '') {
          const claimed = await this.#inTransaction((client, schema) => recordDead(client, schema, full).then(() => true), full.id);
          // Another copy was handled or dead-lettered first (another instance, another broker).
          if (!claimed) return void this.duplicates++;
        } else {
          const { db, schema } = await this.#deps.database();
          await recordDead(db, schema, full);
        }
      } catch (error) {
        throw new LeaveWithBroker(`dead message not recorded: ${errorText(error)}`);
      }
    } else {
      this.deadLetters.push(full);
      if (this.deadLetters.length > DEAD_KEPT) this.deadLetters.shift();
    }
    this.dead++;
    this.#deps.onDead(full);
  }

  /** Adds the consumers (one per broker) once messaging started. */
  attach(consumers: Consumer[]): void {
    this.consumers.push(...consumers);
    void Promise.all(consumers.map((c) => c.ready)).then(() => this.#ready.resolve());
  }

  /** Resolves once every broker's durable group exists (after `start()`). */
  get ready(): Promise<void> {
    return this.#ready.promise;
  }

  async stop(): Promise<void> {
    this.#stopped.abort();
    await Promise.allSettled(this.consumers.splice(0).map((c) => c.stop()));
  }
}
