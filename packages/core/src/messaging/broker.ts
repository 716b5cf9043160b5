export type BrokerType = 'redis-streams' | 'nats-jetstream' | 'amqp';

/**
 * Receives one delivery's wire text. Resolving acknowledges it; rejecting
 * leaves it with the broker for redelivery (the subscriber resolves after its
 * own retries and dead-lettering, and rejects only when it cannot record the
 * outcome, e.g. while the dedupe database is down, or when stopping).
 */
export type DeliveryHandler = (body: string) => Promise<void>;

/** A running consumer; `stop()` leaves the durable group, stream or queue in place. */
export interface Consumer {
  /** Resolves once the durable group, consumer or queue exists: from then on, nothing published is missed. */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

/**
 * What Ballast needs from one broker: the adapters (Redis Streams, JetStream,
 * RabbitMQ) are interchangeable behind it. Adapters supervise their own
 * connection: a broker that goes away is reconnected with backoff, and
 * consumers resume by themselves.
 */
export interface Broker {
  readonly name: string;
  readonly type: BrokerType;
  /** Connected and able to take a publish now. */
  readonly connected: boolean;
  /** The last connection or publish error, for `GET /brokers` (the publisher records publish errors and timeouts). */
  lastError: string | undefined;
  /** Starts connecting; resolves once connected or after the first failure (it keeps retrying behind). */
  connect(): Promise<void>;
  /** Stops consumers and closes connections. */
  close(): Promise<void>;
  /**
   * Resolves once the broker confirmed the message (XADD reply, JetStream PubAck, publisher confirm).
   * No timer of its own: the publisher gives up on it after `confirmTimeoutMs`.
   */
  publish(topic: string, body: string, id: string): Promise<unknown>;
  /** Consumes `topic` with the durable group `group` until stopped. */
  consume(topic: string, group: string, handler: DeliveryHandler): Consumer;
}

/** A broker that is not connected refuses at once, so the publisher moves on without waiting. */
export class BrokerUnavailableError extends Error {
  constructor(name: string) {
    super(`broker "${name}" is not connected`);
  }
}

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Capped exponential backoff with jitter, for reconnects. */
export function reconnectDelayMs(attempt: number, baseMs = 100, maxMs = 2000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** A promise with its `resolve` at hand (Node 20 has no `Promise.withResolvers`). */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
