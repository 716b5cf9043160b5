import type pg from 'pg';
import { loadPg } from '../peers/index.js';
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
  readonly #source: string | pg.Pool;
  readonly #options: FleetStoreOptions;
  readonly #onPoolError: (error: Error) => void;
  #pool: pg.Pool | undefined;

  constructor(database: string | pg.Pool, options: FleetStoreOptions, logger: Logger) {
    this.#source = database;
    this.#options = options;
    // An idle connection dropped by the server must never crash the process.
    this.#onPoolError = (error) => logger.warn({ err: error }, 'ballast: idle fleet store connection failed');
  }

  /** Opens the pool: a connection string gets one Ballast owns (`pg` is loaded now, an optional peer); a pool passed in is adopted. */
  async open(): Promise<void> {
    if (this.#pool !== undefined) return;
    const source = this.#source;
    let pool: pg.Pool;
    if (typeof source === 'string') {
      const pgModule = await loadPg('fleet.database');
      pool = new pgModule.Pool({
        connectionString: source,
        max: 4,
        application_name: 'ballast-fleet',
        connectionTimeoutMillis: this.#options.timeoutMs,
        query_timeout: this.#options.timeoutMs,
      });
    } else {
      pool = source;
    }
    pool.on('error', this.#onPoolError);
    this.#pool = pool;
  }

  /** The open pool; before `open()` every use is an unavailable store. */
  get pool(): pg.Pool {
    if (this.#pool === undefined) throw new FleetStoreUnavailableError(new Error('the fleet store is not open yet: await ballast.start()'));
    return this.#pool;
  }

  get channel(): string {
    return this.#options.channel;
  }

  /** Applies the fleet migrations not applied yet; returns their ids. */
  migrate(client: Queryable): Promise<number[]> {
    return migrateFleet(client, this.#options.schema);
  }

  /** Rows at or after `sinceVersion`; through `client` when given (the LISTEN connection on connect). */
  readSince(sinceVersion: number, client?: Queryable): Promise<FleetRow[]> {
    return unavailableOnError(() => readSettings(client ?? this.pool, this.#options.schema, sinceVersion));
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
    const pool = this.#pool;
    if (pool === undefined) return;
    this.#pool = undefined;
    if (typeof this.#source === 'string') await pool.end();
    else pool.off('error', this.#onPoolError);
  }
}

async function unavailableOnError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new FleetStoreUnavailableError(error);
  }
}
