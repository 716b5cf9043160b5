import { performance } from 'node:perf_hooks';
import type { Queryable } from './sql/types.js';
import type { AssertStatus } from '../asserts/index.js';
import type { Logger } from '../util/logger.js';
import { FleetStoreUnavailableError } from './errors.js';
import { recordBeat } from './sql/beat.js';
import type { FleetInstance } from './sql/instanceRow.js';
import { listInstances } from './sql/listInstances.js';
import { pruneInstances } from './sql/pruneInstances.js';
import { removeInstance } from './sql/removeInstance.js';

/** Rows of instances gone this long (killed without a goodbye) are deleted when an instance starts. */
const PRUNE_AFTER_MS = 24 * 60 * 60 * 1000;

/** Who this instance is, as its heartbeat tells the fleet. */
export interface InstanceIdentity {
  id: string;
  stage: string;
  appVersion: string | null;
}

export interface PresenceOptions {
  schema: string;
  intervalMs: number;
  /** This instance's `/health` verdict now. */
  health(): Promise<AssertStatus>;
}

/**
 * This instance's heartbeat in the fleet store, and the list of live instances.
 * A beat that fails (database down) is logged once per outage and retried at the
 * next interval; it never throws out of the timer.
 */
export class FleetPresence {
  readonly identity: InstanceIdentity;
  /** The fleet store, whose pool opens at start. */
  readonly #store: { readonly pool: Queryable };
  readonly #options: PresenceOptions;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<boolean> | undefined;
  #startedAt = performance.now();
  #failing = false;
  #stopped = true;

  constructor(store: { readonly pool: Queryable }, identity: InstanceIdentity, options: PresenceOptions, logger: Logger) {
    this.#store = store;
    this.identity = identity;
    this.#options = options;
    this.#logger = logger;
  }

  /**
   * Starts beating. With `storeReachable`, first prunes long-gone rows and resolves once the
   * first beat was recorded; otherwise the beats start in the background at once.
   */
  async start(storeReachable: boolean): Promise<void> {
    this.#stopped = false;
    this.#startedAt = performance.now();
    if (!storeReachable) {
      void this.#beat();
      return;
    }
    await pruneInstances(this.#store.pool, this.#options.schema, PRUNE_AFTER_MS).catch(() => {});
    await this.#beat();
  }

  /** Stops beating and removes this instance from the list (best effort: a database that is down keeps it until it goes stale). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#beating;
    try {
      await removeInstance(this.#store.pool, this.#options.schema, this.identity.id);
    } catch (error) {
      this.#logger.warn({ err: error }, 'ballast: could not remove this instance from the fleet list; it drops out after three missed heartbeats');
    }
  }

  /** The live instances; `FleetStoreUnavailableError` when the store cannot answer. */
  async list(): Promise<FleetInstance[]> {
    try {
      return await listInstances(this.#store.pool, this.#options.schema);
    } catch (error) {
      throw new FleetStoreUnavailableError(error);
    }
  }

  #beat(): Promise<boolean> {
    const beating = this.#record().finally(() => {
      this.#beating = undefined;
      if (!this.#stopped) this.#timer = setTimeout(() => void this.#beat(), this.#options.intervalMs).unref();
    });
    this.#beating = beating;
    return beating;
  }

  async #record(): Promise<boolean> {
    try {
      const health = await this.#options.health().catch((): AssertStatus => 'fail');
      const uptimeMs = performance.now() - this.#startedAt;
      await recordBeat(this.#store.pool, this.#options.schema, { ...this.identity, health, intervalMs: this.#options.intervalMs, uptimeMs });
      if (this.#failing) this.#logger.info({ id: this.identity.id }, 'ballast: fleet heartbeat recorded again');
      this.#failing = false;
      return true;
    } catch (error) {
      // Once per outage: the next beats retry quietly until one is recorded.
      if (!this.#failing) this.#logger.warn({ err: error }, 'ballast: fleet heartbeat failed; retrying every interval');
      this.#failing = true;
      return false;
    }
  }
}
