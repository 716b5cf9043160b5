import type { SafeEmitter } from '../events/index.js';
import type { Limiter, Shed } from '../limits/limiter.js';
import { effectiveBurst } from '../limits/settings.js';
import type { Logger } from '../util/logger.js';
import type { SharedRate } from './rateGate.js';
import { TOKEN_BUCKET_LUA } from './bucketScript.js';
import type { FleetEvents } from './sync.js';
import { loadIoredis } from '../peers/index.js';

/**
 * The parts of an ioredis client this uses, spelled out so that the published types
 * do not need ioredis (an optional peer) installed.
 */
export interface RedisClient {
  readonly status: string;
  evalsha(sha: string, numKeys: number, ...args: string[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: string[]): Promise<unknown>;
  script(subcommand: 'LOAD', script: string): Promise<unknown>;
  disconnect(): void;
}

export interface RedisRateOptions {
  /** A redis:// URL (Ballast owns the client) or an ioredis client (yours, never closed). */
  redis: string | RedisClient;
  keyPrefix: string;
  /** A call slower than this counts as the store being down, in ms. */
  timeoutMs: number;
}

type Reply = [number, number];

/**
 * Fleet-wide token buckets in Redis: one atomic script per admission (refill by the
 * Redis server's clock, then spend), so instances never race on a read-modify-write.
 * While Redis does not answer, each limit follows its `onStoreDown`.
 */
export class RedisSharedRate implements SharedRate {
  readonly #options: RedisRateOptions;
  readonly #events: SafeEmitter<FleetEvents>;
  readonly #logger: Logger;
  #client: RedisClient | null = null;
  #owned = false;
  #sha = '';
  #down = false;

  constructor(options: RedisRateOptions, events: SafeEmitter<FleetEvents>, logger: Logger) {
    this.#options = options;
    this.#events = events;
    this.#logger = logger;
  }

  /** Whether the last call found Redis unreachable. */
  get down(): boolean {
    return this.#down;
  }

  async start(): Promise<void> {
    if (this.#client !== null) return;
    const source = this.#options.redis;
    if (typeof source === 'string') {
      // ioredis is an optional peer: loaded only by instances that share a rate.
      const { Redis } = await loadIoredis('fleet.redis (a redis:// URL)');
      const client = new Redis(source, {
        // Fail fast instead of queueing admissions behind a dead connection.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
      });
      // Outages are reported through `fleet:store-down` on use; the client's own errors are only reconnect noise.
      client.on('error', () => {});
      this.#client = client;
      this.#owned = true;
      // Wait briefly for the first connection, so the first requests do not find a store that is merely still connecting.
      await firstConnection(client, this.#options.timeoutMs * 10);
    } else {
      this.#client = source;
    }
    this.#sha = await this.#client.script('LOAD', TOKEN_BUCKET_LUA).catch(() => '') as string;
  }

  async stop(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    if (client !== null && this.#owned) client.disconnect();
  }

  async take(limiter: Limiter): Promise<Shed | null> {
    const reply = await this.#call(limiter, 1);
    if (reply === undefined) {
      return limiter.settings.onStoreDown === 'closed' ? { limit: limiter.name, reason: 'rate', retryAfterSeconds: 1 } : null;
    }
    if (reply[0] === 1) return null;
    return { limit: limiter.name, reason: 'rate', retryAfterSeconds: Math.max(1, Math.ceil(reply[1] / 1000)) };
  }

  refund(limiter: Limiter): void {
    void this.#call(limiter, -1);
  }

  /** Runs the bucket script; `undefined` when Redis did not answer in time. */
  async #call(limiter: Limiter, cost: number): Promise<Reply | undefined> {
    const client = this.#client;
    const s = limiter.settings;
    if (client === null || client.status !== 'ready') return this.#failed(new Error(`Redis is ${client?.status ?? 'not started'}`));
    const args = [`${this.#options.keyPrefix}rate:${limiter.name}`, String(s.ratePerSecond), String(effectiveBurst(s)), String(cost)];
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis did not answer within ${this.#options.timeoutMs} ms`)), this.#options.timeoutMs);
      });
      const reply = (await Promise.race([this.#run(client, args), timeout])) as Reply;
      if (this.#down) {
        this.#down = false;
        this.#logger.info({}, 'ballast: fleet rate store (Redis) is back');
        this.#events.emit('fleet:store-up', { store: 'redis' });
      }
      return reply;
    } catch (error) {
      return this.#failed(error);
    } finally {
      clearTimeout(timer);
    }
  }

  async #run(client: RedisClient, args: string[]): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, 1, ...args);
    } catch (error) {
      // NOSCRIPT after a Redis restart (or a failed LOAD at start): send the script itself once.
      if (!String((error as Error).message).includes('NOSCRIPT')) throw error;
      return client.eval(TOKEN_BUCKET_LUA, 1, ...args);
    }
  }

  #failed(error: unknown): undefined {
    if (!this.#down) {
      this.#down = true;
      this.#logger.warn({ err: error }, 'ballast: fleet rate store (Redis) is down; limits follow their onStoreDown');
      this.#events.emit('fleet:store-down', { store: 'redis', error });
    }
    return undefined;
  }
}

interface ConnectionEvents {
  once(event: 'ready' | 'end', listener: () => void): unknown;
  off(event: 'ready' | 'end', listener: () => void): unknown;
}

/** Resolves once the client is ready, gave up, or `timeoutMs` passed, whichever comes first. */
function firstConnection(client: ConnectionEvents, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      client.off('ready', done);
      client.off('end', done);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done);
    client.once('end', done);
  });
}
