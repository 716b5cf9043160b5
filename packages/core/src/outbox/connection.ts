import { BallastError } from '../errors/index.js';
import type { Logger } from '../util/logger.js';
import type { ResolvedOutboxOptions } from './options.js';
import { OutboxUnavailableError } from './errors.js';
import { migrate } from './sql/index.js';
import { isMissingPeerError } from '../peers/index.js';
import { isUnreachable, openDatabase, type Database, type SqlClient } from './store/index.js';

/**
 * The outbox's way to its database: opened and migrated once, on first need
 * (`start()`, or an `enqueue` before it). A failure is forgotten so the next
 * call tries again: an outage at boot degrades instead of sticking.
 */
export class OutboxConnection {
  readonly #options: Pick<ResolvedOutboxOptions, 'database' | 'dataDir' | 'preparedStatements'>;
  readonly #schema: string;
  readonly #logger: Logger;
  readonly #onOpen: (db: Database) => void;
  #db: Promise<Database> | undefined;

  constructor(
    options: Pick<ResolvedOutboxOptions, 'database' | 'dataDir' | 'preparedStatements' | 'schema'>,
    logger: Logger,
    onOpen: (db: Database) => void,
  ) {
    this.#options = options;
    this.#schema = options.schema;
    this.#logger = logger;
    this.#onOpen = onOpen;
  }

  /** The open, migrated database. */
  ready(): Promise<Database> {
    this.#db ??= (async () => {
      const { database, dataDir, preparedStatements } = this.#options;
      const db = await openDatabase(database, dataDir, this.#logger, { preparedStatements });
      try {
        await migrate(db, this.#schema);
      } catch (error) {
        await db.close().catch(() => {});
        throw error;
      }
      this.#onOpen(db);
      return db;
    })();
    const pending = this.#db;
    pending.catch(() => {
      if (this.#db === pending) this.#db = undefined;
    });
    return pending;
  }

  /** Runs `fn` on the database; an unreachable database becomes `OutboxUnavailableError` (503). */
  async run<T>(fn: (db: SqlClient) => Promise<T>): Promise<T> {
    let db: Database;
    try {
      db = await this.ready();
    } catch (error) {
      if (isMissingPeerError(error)) throw error;
      throw new OutboxUnavailableError(error);
    }
    try {
      return await fn(db);
    } catch (error) {
      if (error instanceof BallastError || !isUnreachable(error)) throw error;
      throw new OutboxUnavailableError(error);
    }
  }

  /** A `Database` whose every call first waits for readiness, so the worker outlives a database that is late or restarts. */
  deferred(): Database {
    const ready = (): Promise<Database> => this.ready();
    return {
      kind: 'postgres',
      query: async (text, params) => (await ready()).query(text, params),
      transaction: async (fn, options) => (await ready()).transaction(fn, options),
      listen: async (channel, handlers) => (await ready()).listen(channel, handlers),
      close: async () => {},
    };
  }

  /** Closes what Ballast opened (a pool or PGlite from the user stays open). */
  async close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    if (db !== undefined) await (await db.catch(() => undefined))?.close();
  }
}
