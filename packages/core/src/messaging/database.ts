import { OutboxConnection } from '../outbox/connection.js';
import type { Outbox } from '../outbox/index.js';
import { resolveOutboxOptions } from '../outbox/options.js';
import type { Database } from '../outbox/store/index.js';
import type { Logger } from '../util/logger.js';

/**
 * The database of `dedupe: 'postgres'`: the outbox's (same connection, same
 * migrations), or embedded PGlite with the outbox's defaults when no outbox is
 * configured. Opened on first use only.
 */
export class DedupeDatabase {
  readonly #outbox: Outbox;
  readonly #logger: Logger;
  #own: OutboxConnection | undefined;

  constructor(outbox: Outbox, logger: Logger) {
    this.#outbox = outbox;
    this.#logger = logger;
  }

  async get(): Promise<{ db: Database; schema: string }> {
    const shared = this.#outbox.sharedDatabase();
    if (shared !== undefined) return { db: await shared, schema: this.#outbox.schema };
    const options = resolveOutboxOptions({ destinations: {} });
    this.#own ??= new OutboxConnection(options, this.#logger, () => {});
    return { db: await this.#own.ready(), schema: options.schema };
  }

  async close(): Promise<void> {
    const own = this.#own;
    this.#own = undefined;
    await own?.close();
  }
}
