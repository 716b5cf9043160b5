import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { BrokerUnavailableError, errorText, deferred, reconnectDelayMs, sleep, type Broker, type Consumer, type DeliveryHandler } from '../broker.js';
import { loadAmqplib } from '../../peers/index.js';
import type { ResolvedAmqpBroker } from '../options.js';

const PREFETCH = 32;

interface Subscription {
  topic: string;
  group: string;
  handler: DeliveryHandler;
  onReady: () => void;
  /** The channel consuming now, closed by `stop()`. */
  channel?: Channel;
}

/**
 * RabbitMQ: a durable topic exchange, persistent messages and publisher
 * confirms; each topic and group has a durable queue bound to the exchange.
 * Any channel or connection failure drops the connection and rebuilds it,
 * with every consumer, after a backoff.
 */
export class AmqpBroker implements Broker {
  readonly type = 'amqp' as const;
  readonly name: string;
  readonly #options: ResolvedAmqpBroker;
  readonly #subscriptions = new Set<Subscription>();
  #connection: ChannelModel | undefined;
  #publisher: ConfirmChannel | undefined;
  #closed = new AbortController();
  #running: Promise<void> | undefined;
  lastError: string | undefined;

  constructor(name: string, options: ResolvedAmqpBroker) {
    this.name = name;
    this.#options = options;
  }

  get connected(): boolean {
    return this.#publisher !== undefined;
  }

  async connect(): Promise<void> {
    if (this.#running !== undefined) return;
    this.#closed = new AbortController();
    const first = deferred();
    const running = this.#supervise(this.#closed.signal, first.resolve);
    running.catch(() => {}); // its one failure, a missing amqplib, is reported by the race below
    this.#running = running;
    await Promise.race([first.promise, running]);
  }

  async #supervise(signal: AbortSignal, firstAttempt: () => void): Promise<void> {
    const { connect } = await loadAmqplib(`broker "${this.name}" (amqp)`);
    for (let failures = 0; !signal.aborted; ) {
      let lost: Promise<void> | undefined;
      try {
        const connection = await connect(this.#options.url, { timeout: 2000 });
        this.#connection = connection;
        lost = new Promise<void>((resolve) => {
          connection.on('error', (error: Error) => (this.lastError = error.message));
          connection.on('close', () => resolve());
        });
        const publisher = await connection.createConfirmChannel();
        publisher.on('error', (error: Error) => this.#fail(error));
        publisher.on('close', () => this.#fail(new Error('publish channel closed')));
        await publisher.assertExchange(this.#options.exchange, 'topic', { durable: true });
        for (const subscription of this.#subscriptions) await this.#startConsumer(connection, subscription);
        this.#publisher = publisher;
        failures = 0;
      } catch (error) {
        this.lastError = errorText(error);
        this.#fail(error);
        failures++;
      }
      firstAttempt();
      if (lost !== undefined) await lost;
      this.#publisher = undefined;
      this.#connection = undefined;
      if (!signal.aborted) await sleep(reconnectDelayMs(failures), signal);
    }
  }

  /** Drops the connection; the supervisor reconnects. */
  #fail(error: unknown): void {
    this.lastError = errorText(error);
    this.#publisher = undefined;
    const connection = this.#connection;
    this.#connection = undefined;
    connection?.close().catch(() => {});
  }

  async #startConsumer(connection: ChannelModel, subscription: Subscription): Promise<void> {
    const { topic, group, handler, onReady } = subscription;
    const channel = await connection.createChannel();
    subscription.channel = channel;
    channel.on('error', (error: Error) => this.#fail(error));
    const queue = `${this.#options.exchange}.${topic}.${group}`;
    await channel.assertQueue(queue, { durable: true });
    await channel.bindQueue(queue, this.#options.exchange, topic);
    onReady();
    await channel.prefetch(PREFETCH);
    await channel.consume(queue, (m: ConsumeMessage | null) => {
      if (m === null) return this.#fail(new Error(`queue ${queue} was deleted`));
      handler(m.content.toString('utf8')).then(
        () => channel.ack(m),
        // Leave it a moment before it comes back, so a database outage does not spin.
        () => setTimeout(() => channel.nack(m, false, true), 1000).unref(),
      ).catch(() => {}); // the channel closed meanwhile: the broker redelivers
    });
  }

  async close(): Promise<void> {
    this.#closed.abort();
    this.#subscriptions.clear();
    const connection = this.#connection;
    this.#publisher = undefined;
    this.#connection = undefined;
    await connection?.close().catch(() => {});
    await this.#running?.catch(() => {});
    this.#running = undefined;
  }

  publish(topic: string, body: string, id: string): Promise<void> {
    const publisher = this.#publisher;
    if (publisher === undefined) return Promise.reject(new BrokerUnavailableError(this.name));
    return new Promise<void>((resolve, reject) => {
      const options = { persistent: true, messageId: id, contentType: 'application/json' };
      publisher.publish(this.#options.exchange, topic, Buffer.from(body), options, (error: unknown) => (error == null ? resolve() : reject(error)));
    });
  }

  consume(topic: string, group: string, handler: DeliveryHandler): Consumer {
    const ready = deferred();
    const subscription: Subscription = { topic, group, handler, onReady: ready.resolve };
    this.#subscriptions.add(subscription);
    const connection = this.#connection;
    if (connection !== undefined) this.#startConsumer(connection, subscription).catch((error: unknown) => this.#fail(error));
    return {
      ready: ready.promise,
      stop: async () => {
        this.#subscriptions.delete(subscription);
        const channel = subscription.channel;
        delete subscription.channel;
        if (channel !== undefined) await closeWithin(channel, CHANNEL_CLOSE_WAIT_MS);
      },
    };
  }
}

/**
 * How long a consumer's stop waits for RabbitMQ to confirm its channel closed. amqplib's
 * `close()` waits for the broker's CloseOk, and under load it was seen waiting 30 s,
 * stalling `ballast.stop()`; the connection's close, which follows, ends the channel anyway.
 */
const CHANNEL_CLOSE_WAIT_MS = 2000;

async function closeWithin(channel: Channel, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  await Promise.race([channel.close().catch(() => {}), waited]);
  clearTimeout(timer);
}
