import pg from 'pg';
import type { Logger } from '../util/logger.js';
import { FleetStoreUnavailableError } from './errors.js';
import { migrateFleet } from './sql/migrate.js';
import { readSetting, readSettings } from './sql/readSettings.js';
import type { FleetKind, FleetRow, Queryable } from './sql/types.js';
import { writeSetting, type SettingWrite } from './sql/writeSetting.js';

export interface FleetStoreOptions {
  schema: string;
  channel: string;
  /** Connect and query timeout of a pool Ballast owns, in ms. */
  timeoutMs: number;
}

/**
 * The settings overrides in PostgreSQL. Every failure to reach the database comes
 * out as `FleetStoreUnavailableError`, which the admin API answers with 503.
 */
export class FleetStore {
  readonly pool: pg.Pool;
  readonly #owned: boolean;
  readonly #options: FleetStoreOptions;
  readonly #onPoolError: (error: Error) => void;

  constructor(database: string | pg.Pool, options: FleetStoreOptions, logger: Logger) {
    this.#owned = typeof database === 'string';
    this.pool =
      typeof database === 'string'
        ? new pg.Pool({
            connectionString: database,
            max: 4,
            application_name: 'ballast-fleet',
            connectionTimeoutMillis: options.timeoutMs,
            query_timeout: options.timeoutMs,
          })
        : database;
    this.#options = options;
    // An idle connection dropped by the server must never crash the process.
    this.#onPoolError = (error) => logger.warn({ err: error }, 'ballast: idle fleet store connection failed');
    this.pool.on('error', this.#onPoolError);
  }

  get channel(): string {
    return this.#options.channel;
  }

  /** Applies the fleet migrations not applied yet; returns their ids. */
  migrate(client: Queryable): Promise<number[]> {
    return migrateFleet(client, this.#options.schema);
  }

  /** Rows at or after `sinceVersion`; through `client` when given (the LISTEN connection on connect). */
  readSince(sinceVersion: number, client: Queryable = this.pool): Promise<FleetRow[]> {
    return unavailableOnError(() => readSettings(client, this.#options.schema, sinceVersion));
  }

  readOne(kind: FleetKind, name: string): Promise<FleetRow | undefined> {
    return unavailableOnError(() => readSetting(this.pool, this.#options.schema, kind, name));
  }

  /** Compare-and-set; `undefined` when another change got there first. */
  write(change: SettingWrite): Promise<FleetRow | undefined> {
    return unavailableOnError(() => writeSetting(this.pool, this.#options.schema, this.#options.channel, change));
  }

  async close(): Promise<void> {
    // A pool we own keeps its listener: `end()` resolves before its connections have
    // closed, and one failing meanwhile would otherwise be an uncaught 'error' event.
    if (this.#owned) await this.pool.end();
    else this.pool.off('error', this.#onPoolError);
  }
}

async function unavailableOnError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new FleetStoreUnavailableError(error);
  }
}
