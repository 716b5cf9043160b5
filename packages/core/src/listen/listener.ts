import type pg from 'pg';
import type { Logger } from '../util/logger.js';

/** What a listener's `onConnect` may query: the LISTEN connection itself. */
export interface ListenClient {
  query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

export interface ListenerHandlers {
  /** After every (re)connect, with LISTEN in place: catch up (NOTIFY is not replayed). Throwing fails the connect. */
  onConnect(client: ListenClient): Promise<void>;
  /** A NOTIFY on the channel, with its payload. */
  onNotify(payload: string): void;
  /** The connection was lost (or a connect failed); it reconnects by itself. */
  onDisconnect(error: unknown): void;
}

export interface Backoff {
  minMs: number;
  maxMs: number;
}

/**
 * The one LISTEN-with-reconnect of Ballast (fleet settings, outbox wake-ups):
 * a dedicated connection (from `connect`, e.g. `() => pool.connect()`) that reconnects with capped, jittered
 * exponential backoff for as long as it runs, and calls `onConnect` on every
 * connect, so a listener catches up on whatever NOTIFYs it missed meanwhile.
 */
export class PgListener {
  readonly #connectClient: () => Promise<pg.PoolClient>;
  readonly #channel: string;
  readonly #backoff: Backoff;
  readonly #handlers: ListenerHandlers;
  readonly #logger: Logger;
  #client: pg.PoolClient | null = null;
  #timer: NodeJS.Timeout | undefined;
  #failures = 0;
  #stopped = false;

  constructor(connect: () => Promise<pg.PoolClient>, channel: string, backoff: Backoff, handlers: ListenerHandlers, logger: Logger) {
    this.#connectClient = connect;
    this.#channel = channel;
    this.#backoff = backoff;
    this.#handlers = handlers;
    this.#logger = logger;
  }

  get connected(): boolean {
    return this.#client !== null;
  }

  /** Makes the first attempt; on failure it keeps retrying in the background. Resolves with the first attempt's outcome. */
  start(): Promise<boolean> {
    this.#stopped = false;
    return this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = null;
    // Destroy rather than return it: a pooled client must not keep listening.
    client?.release(true);
  }

  async #connect(): Promise<boolean> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.#connectClient();
      const connection = client;
      connection.on('error', (error) => this.#lost(connection, error));
      connection.on('end', () => this.#lost(connection, new Error(`LISTEN connection to ${this.#channel} ended`)));
      connection.on('notification', (message) => {
        if (message.channel === this.#channel) this.#handlers.onNotify(message.payload ?? '');
      });
      await connection.query(`LISTEN "${this.#channel}"`);
      if (this.#stopped) throw new Error('stopped while connecting');
      await this.#handlers.onConnect(connection);
      // stop() may have run during the re-read: never keep a connection it could not release.
      if (this.#stopped) throw new Error('stopped while connecting');
      this.#client = connection;
      this.#failures = 0;
      return true;
    } catch (error) {
      client?.release(true);
      if (!this.#stopped) {
        this.#handlers.onDisconnect(error);
        this.#retry();
      }
      return false;
    }
  }

  #lost(client: pg.PoolClient, error: Error): void {
    if (this.#client !== client) return;
    this.#client = null;
    client.release(true);
    if (this.#stopped) return;
    this.#logger.warn({ err: error, channel: this.#channel }, 'ballast: LISTEN connection lost; reconnecting');
    this.#handlers.onDisconnect(error);
    this.#retry();
  }

  #retry(): void {
    clearTimeout(this.#timer);
    const ceiling = Math.min(this.#backoff.maxMs, this.#backoff.minMs * 2 ** this.#failures);
    this.#failures = Math.min(this.#failures + 1, 30);
    // Full jitter over the upper half: instances that lost the same server do not all come back at once.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.#timer = setTimeout(() => void this.#connect(), delay);
  }
}
