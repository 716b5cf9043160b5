import { createHash } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamClient, JetStreamManager, JsMsg, StreamConfig, ConsumerConfig } from '@nats-io/jetstream';
import { BrokerUnavailableError, errorText, deferred, reconnectDelayMs, sleep, type Broker, type Consumer, type DeliveryHandler } from '../broker.js';
import { loadNats } from '../../peers/index.js';
import type { ResolvedNatsBroker } from '../options.js';

const IN_FLIGHT = 32;
const NANOS_PER_MS = 1_000_000;

interface Session {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/**
 * NATS JetStream: one file-stored stream (`<stream>`, subjects `<stream>.>`)
 * for every topic, PubAck as the confirm (with the message id as `msgID`, so
 * JetStream itself drops a retried duplicate), and a durable pull consumer per
 * topic and group.
 */
export class NatsJetStreamBroker implements Broker {
  readonly type = 'nats-jetstream' as const;
  readonly name: string;
  readonly #options: ResolvedNatsBroker;
  #session: Promise<Session> | undefined;
  #current: Session | undefined;
  #connected = false;
  #closed = new AbortController();
  lastError: string | undefined;

  readonly #confirmTimeoutMs: number;

  constructor(name: string, options: ResolvedNatsBroker, confirmTimeoutMs: number) {
    this.#confirmTimeoutMs = confirmTimeoutMs;
    this.name = name;
    this.#options = options;
  }

  get connected(): boolean {
    return this.#connected;
  }

  async connect(): Promise<void> {
    this.#closed = new AbortController();
    this.#session ??= this.#open(this.#closed.signal);
    // Resolve at once when the first attempt fails; the session keeps trying behind.
    await Promise.race([this.#session.then(() => undefined), sleep(1000, this.#closed.signal)]);
  }

  async #open(signal: AbortSignal): Promise<Session> {
    const { connect, jetstream, jetstreamManager } = await loadNats(`broker "${this.name}" (nats-jetstream)`);
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw new Error('closed');
      try {
        const nc = await connect({ servers: this.#options.servers, reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 250, timeout: 2000 });
        const jsm = await jetstreamManager(nc);
        const session = { nc, js: jetstream(nc), jsm };
        await this.#ensureStream(jsm);
        this.#current = session;
        this.#connected = true;
        void this.#watch(session);
        return session;
      } catch (error) {
        this.lastError = errorText(error);
        await sleep(reconnectDelayMs(attempt), signal);
      }
    }
  }

  async #watch({ nc, jsm }: Session): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') this.#connected = false;
      else if (status.type === 'reconnect') {
        // A server that restarted without its store would have lost the stream.
        await this.#ensureStream(jsm).catch((error: unknown) => (this.lastError = errorText(error)));
        this.#connected = true;
      } else if (status.type === 'error') this.lastError = errorText((status as { error?: unknown }).error);
    }
  }

  async #ensureStream(jsm: JetStreamManager): Promise<void> {
    const name = this.#options.stream;
    const exists = await jsm.streams.info(name).then(
      () => true,
      () => false,
    );
    if (exists) return;
    const config: Partial<StreamConfig> & { name: string } = {
      name,
      subjects: [`${name.toLowerCase()}.>`],
      storage: 'file' as StreamConfig['storage'],
      retention: 'limits' as StreamConfig['retention'],
      max_msgs: 1_000_000,
    };
    await jsm.streams.add(config).catch((error: unknown) => {
      if (!/already in use|exists/i.test(errorText(error))) throw error;
    });
  }

  async close(): Promise<void> {
    this.#closed.abort();
    const session = this.#current;
    this.#session = undefined;
    this.#current = undefined;
    this.#connected = false;
    await session?.nc.close().catch(() => {});
  }

  publish(topic: string, body: string, id: string): Promise<unknown> {
    const session = this.#current;
    if (session === undefined || !this.#connected) return Promise.reject(new BrokerUnavailableError(this.name));
    // The client's own PubAck timer gets the publisher's confirm timeout, so it never outlives the wait.
    return session.js.publish(this.#subject(topic), body, { msgID: id, timeout: this.#confirmTimeoutMs });
  }

  consume(topic: string, group: string, handler: DeliveryHandler): Consumer {
    const stopped = new AbortController();
    const ready = deferred();
    const done = this.#consumeLoop(topic, group, handler, stopped.signal, ready.resolve);
    return {
      ready: ready.promise,
      stop: async () => {
        stopped.abort();
        await done;
      },
    };
  }

  async #consumeLoop(topic: string, group: string, handler: DeliveryHandler, signal: AbortSignal, onReady: () => void): Promise<void> {
    const durable = `${group}_${createHash('sha1').update(topic).digest('hex').slice(0, 16)}`;
    const stream = this.#options.stream;
    for (let failures = 0; !signal.aborted; ) {
      try {
        const session = await this.#sessionOrAbort(signal);
        if (session === undefined) return;
        const config: Partial<ConsumerConfig> = {
          durable_name: durable,
          filter_subject: this.#subject(topic),
          ack_policy: 'explicit' as ConsumerConfig['ack_policy'],
          deliver_policy: 'new' as ConsumerConfig['deliver_policy'],
          ack_wait: this.#options.ackWaitMs * NANOS_PER_MS,
          max_ack_pending: 1000,
        };
        await session.jsm.consumers.add(stream, config);
        onReady();
        const consumer = await session.js.consumers.get(stream, durable);
        const messages = await consumer.consume({ max_messages: IN_FLIGHT * 2 });
        const onAbort = (): void => void messages.close();
        signal.addEventListener('abort', onAbort, { once: true });
        if (signal.aborted) onAbort();
        const inFlight = new Set<Promise<void>>();
        for await (const m of messages) {
          failures = 0;
          const p = this.#handle(m, handler).finally(() => inFlight.delete(p));
          inFlight.add(p);
          if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
        }
        await Promise.allSettled(inFlight);
        signal.removeEventListener('abort', onAbort);
      } catch (error) {
        if (signal.aborted) return;
        this.lastError = errorText(error);
      }
      await sleep(reconnectDelayMs(failures++), signal);
    }
  }

  async #handle(m: JsMsg, handler: DeliveryHandler): Promise<void> {
    try {
      await handler(m.string());
      m.ack();
    } catch {
      m.nak(1000);
    }
  }

  async #sessionOrAbort(signal: AbortSignal): Promise<Session | undefined> {
    while (!signal.aborted) {
      if (this.#session !== undefined) return this.#session;
      await sleep(200, signal);
    }
    return undefined;
  }

  #subject(topic: string): string {
    return `${this.#options.stream.toLowerCase()}.${topic}`;
  }
}
