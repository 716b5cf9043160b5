import { hostname } from 'node:os';
import type { Redis as RedisClient } from 'ioredis';
import { BrokerUnavailableError, errorText, deferred, reconnectDelayMs, sleep, type Broker, type Consumer, type DeliveryHandler } from '../broker.js';
import { loadIoredis } from '../../peers/index.js';
import type { ResolvedRedisBroker } from '../options.js';

const BATCH = 32;

/**
 * Redis Streams: one stream per topic (`<prefix>:<topic>`), XADD's reply is
 * the confirm, a consumer group per `group` read with XREADGROUP and
 * acknowledged with XACK. Entries left pending by a consumer that went away
 * are taken over with XAUTOCLAIM once idle for `claimIdleMs`.
 */
export class RedisStreamsBroker implements Broker {
  readonly type = 'redis-streams' as const;
  readonly name: string;
  readonly #options: ResolvedRedisBroker;
  readonly #consumer = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  #client: RedisClient | undefined;
  #ready = false;
  lastError: string | undefined;
  readonly #consumers = new Set<RedisClient>();

  constructor(name: string, options: ResolvedRedisBroker) {
    this.name = name;
    this.#options = options;
  }

  get connected(): boolean {
    return this.#ready;
  }

  async connect(): Promise<void> {
    if (this.#client !== undefined) return;
    const client = await this.#open();
    this.#client = client;
    client.on('ready', () => (this.#ready = true));
    client.on('close', () => (this.#ready = false));
    await firstAttempt(client);
  }

  /** A client. No `commandTimeout`: it costs a timer per XADD; the publisher's deadline sweep bounds the wait. */
  async #open(): Promise<RedisClient> {
    const { Redis } = await loadIoredis(`broker "${this.name}" (redis-streams)`);
    const client = new Redis(this.#options.url, {
      // Refuse at once while disconnected: the publisher moves on to another broker instead of waiting.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => reconnectDelayMs(times),
      lazyConnect: false,
    });
    client.on('error', (error: Error) => (this.lastError = error.message));
    return client;
  }

  async close(): Promise<void> {
    const clients = [...this.#consumers, ...(this.#client === undefined ? [] : [this.#client])];
    this.#consumers.clear();
    this.#client = undefined;
    this.#ready = false;
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
  }

  publish(topic: string, body: string, id: string): Promise<unknown> {
    const client = this.#client;
    if (client === undefined || !this.#ready) return Promise.reject(new BrokerUnavailableError(this.name));
    return client.xadd(this.#key(topic), 'MAXLEN', '~', this.#options.maxLength, '*', 'id', id, 'body', body);
  }

  consume(topic: string, group: string, handler: DeliveryHandler): Consumer {
    const stopped = new AbortController();
    const ready = deferred();
    const done = this.#consumeLoop(this.#key(topic), group, handler, stopped.signal, ready.resolve);
    return {
      ready: ready.promise,
      stop: async () => {
        stopped.abort();
        await done;
      },
    };
  }

  async #consumeLoop(key: string, group: string, handler: DeliveryHandler, signal: AbortSignal, onReady: () => void): Promise<void> {
    // A blocking read needs a connection of its own.
    const client = await this.#open().catch((error: unknown) => {
      this.lastError = errorText(error);
      return undefined;
    });
    if (client === undefined) return;
    await firstAttempt(client);
    this.#consumers.add(client);
    signal.addEventListener('abort', () => client.disconnect(), { once: true });
    if (signal.aborted) client.disconnect();
    let failures = 0;
    let groupReady = false;
    // After each (re)connect, first re-read our own pending entries: a reply lost with the connection left them there.
    let cursor = '0';
    let lastClaim = 0;
    while (!signal.aborted) {
      try {
        if (!groupReady) {
          await client.xgroup('CREATE', key, group, '$', 'MKSTREAM').catch((error: unknown) => {
            if (!errorText(error).includes('BUSYGROUP')) throw error;
          });
          groupReady = true;
          onReady();
        }
        if (Date.now() - lastClaim > this.#options.claimIdleMs / 2) {
          lastClaim = Date.now();
          await this.#claimIdle(client, key, group, handler);
        }
        const reply = (await client.xreadgroup('GROUP', group, this.#consumer, 'COUNT', BATCH, 'BLOCK', cursor === '0' ? 1 : 1000, 'STREAMS', key, cursor)) as
          | [string, [string, string[]][]][]
          | null;
        const entries = reply?.[0]?.[1] ?? [];
        if (cursor === '0' && entries.length === 0) cursor = '>';
        await this.#handleEntries(client, key, group, entries, handler);
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        this.lastError = errorText(error);
        groupReady = false;
        cursor = '0';
        await sleep(reconnectDelayMs(failures++), signal);
      }
    }
    this.#consumers.delete(client);
  }

  async #claimIdle(client: RedisClient, key: string, group: string, handler: DeliveryHandler): Promise<void> {
    let start = '0-0';
    for (let round = 0; round < 10; round++) {
      const [next, entries] = (await client.xautoclaim(key, group, this.#consumer, this.#options.claimIdleMs, start, 'COUNT', BATCH)) as [string, [string, string[] | null][]];
      await this.#handleEntries(client, key, group, entries.filter((e): e is [string, string[]] => e[1] !== null), handler);
      if (next === '0-0') return;
      start = next;
    }
  }

  async #handleEntries(client: RedisClient, key: string, group: string, entries: [string, string[]][], handler: DeliveryHandler): Promise<void> {
    if (entries.length === 0) return;
    const outcomes = await Promise.allSettled(entries.map(([, fields]) => handler(fieldOf(fields, 'body') ?? '')));
    const acked = entries.filter((_, i) => outcomes[i]?.status === 'fulfilled').map(([id]) => id);
    if (acked.length > 0) await client.xack(key, group, ...acked);
  }

  #key(topic: string): string {
    return `${this.#options.prefix}:${topic}`;
  }
}

/** Resolves once the client is ready or its first connection attempt failed (it keeps retrying behind). */
const firstAttempt = (client: RedisClient): Promise<void> =>
  new Promise<void>((resolve) => {
    client.once('ready', resolve);
    client.once('error', () => resolve());
  });

function fieldOf(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
