import type pg from 'pg';
import type { AssertInput, AssertMonitor, AssertStatus } from '../asserts/index.js';
import type { DependencyRegistry } from '../dependencies/index.js';
import type { SafeEmitter } from '../events/index.js';
import type { LimitRegistry } from '../limits/registry.js';
import type { SettingsWriter } from '../limits/routes.js';
import type { Logger } from '../util/logger.js';
import { registerFleetErrorStatuses } from './errors.js';
import { PgListener } from '../listen/index.js';
import { FleetPresence } from './presence.js';
import type { ResolvedFleetOptions } from './options.js';
import { RedisSharedRate } from './redisRate.js';
import type { FleetKind } from './sql/types.js';
import { FleetStore } from './store.js';
import { FleetSync, type FleetEvents } from './sync.js';
import { assertTarget } from './assertTarget.js';
import { dependencyTarget, flagTarget, limitTarget } from './targets.js';
import type { FlagRegistry } from '../flags/index.js';
import { FleetWriter } from './writer.js';

/** Pause before re-reading a change whose read failed, in ms. */
const RETRY_READ_MS = 250;

export interface FleetParts {
  limits: LimitRegistry;
  dependencies: DependencyRegistry;
  asserts: AssertMonitor;
  flags: FlagRegistry;
  /** The asserts the code declared, which a revert goes back to. */
  codeAsserts: Record<string, AssertInput>;
  events: SafeEmitter<FleetEvents>;
  logger: Logger;
  /** This instance's ring and deployed version, for its heartbeat. */
  instance: { stage: string; appVersion: string | null };
  /** This instance's `/health` verdict, for its heartbeat. */
  health(): Promise<AssertStatus>;
}

/**
 * One instance's membership of the fleet: stored overrides applied over the code's
 * defaults on start and on every change (NOTIFY), changes written through the store,
 * and the shared rates. Started and stopped with the instance.
 */
export class Fleet {
  /** Keeps this instance's settings in step with the store; `undefined` without `fleet.database`. */
  readonly sync: FleetSync | undefined;
  readonly #store: FleetStore | undefined;
  /** This instance's heartbeat and the list of live instances; `undefined` without `fleet.database`. */
  readonly presence: FleetPresence | undefined;
  readonly #writer: FleetWriter | undefined;
  readonly #listener: PgListener | undefined;
  readonly #rate: RedisSharedRate | undefined;
  readonly #logger: Logger;
  readonly #events: SafeEmitter<FleetEvents>;
  #pending: number | undefined;
  #reading: Promise<void> | undefined;
  #stopped = false;
  #disconnected = false;

  constructor(options: ResolvedFleetOptions, parts: FleetParts) {
    registerFleetErrorStatuses();
    this.#logger = parts.logger;
    this.#events = parts.events;
    if (options.redis !== undefined) {
      const rate = new RedisSharedRate(
        { redis: options.redis, keyPrefix: options.redisKeyPrefix, timeoutMs: options.redisTimeoutMs },
        parts.events,
        parts.logger,
      );
      parts.limits.useSharedRate(rate);
      this.#rate = rate;
    }
    if (options.database === undefined) return;
    const targets = [
      limitTarget(parts.limits),
      dependencyTarget(parts.dependencies),
      assertTarget(parts.asserts, parts.codeAsserts),
      flagTarget(parts.flags),
    ];
    const sync = new FleetSync(targets, parts.events, parts.logger);
    this.sync = sync;
    const store = new FleetStore(options.database as string | pg.Pool, { schema: options.schema, channel: options.channel, timeoutMs: options.timeoutMs }, parts.logger);
    this.#store = store;
    this.#writer = new FleetWriter(store, sync);
    this.presence = new FleetPresence(
      store,
      { id: options.instanceId, ...parts.instance },
      { schema: options.schema, intervalMs: options.heartbeatIntervalMs, health: parts.health },
      parts.logger,
    );
    let migrated = false;
    this.#listener = new PgListener(() => store.pool.connect(), options.channel, options.reconnect, {
      onConnect: async (client) => {
        if (!migrated) await store.migrate(client);
        migrated = true;
        sync.applyRows(await store.readSince(0, client));
        this.#logger.info({ version: sync.highest }, 'ballast: fleet store connected; settings in step');
        this.#disconnected = false;
        this.#events.emit('fleet:connected', { version: sync.highest });
      },
      onNotify: (payload) => {
        const version = Number(payload);
        if (Number.isSafeInteger(version)) this.#changed(sync, store, version);
      },
      onDisconnect: (error) => {
        // Once per outage, not once per reconnect attempt.
        if (this.#disconnected) return;
        this.#disconnected = true;
        this.#events.emit('fleet:disconnected', { error });
      },
    }, parts.logger);
  }

  /** Whether this instance is listening to the store now (it keeps its last known settings while not). */
  get connected(): boolean {
    return this.#listener?.connected ?? false;
  }

  /** `up` or `down` for the Redis behind fleet-wide rates; `none` without one. */
  get sharedRateStatus(): 'up' | 'down' | 'none' {
    if (this.#rate === undefined) return 'none';
    return this.#rate.down ? 'down' : 'up';
  }

  /** The admin write path for one kind, or `undefined` without a settings store. */
  writer(kind: FleetKind): SettingsWriter | undefined {
    const writer = this.#writer;
    if (writer === undefined) return undefined;
    return {
      override: (name, input, options) => writer.override(kind, name, input, options),
      revert: (name, options) => writer.revert(kind, name, options),
    };
  }

  async start(): Promise<void> {
    this.#stopped = false;
    await this.#rate?.start();
    await this.#store?.open();
    const ok = await this.#listener?.start();
    if (ok === false) this.#logger.warn({}, 'ballast: fleet store unreachable at start; running on the code defaults until it answers');
    // While the store is unreachable the first beat would only wait out its timeout: it runs in the background then.
    await this.presence?.start(ok === true);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.presence?.stop();
    await this.#listener?.stop();
    await this.#reading;
    await this.#store?.close();
    await this.#rate?.stop();
  }

  /** A NOTIFY: reads from its version on, coalescing notifications that arrive during a read. */
  #changed(sync: FleetSync, store: FleetStore, version: number): void {
    this.#pending = Math.min(this.#pending ?? version, version);
    this.#reading ??= this.#drain(sync, store).finally(() => (this.#reading = undefined));
  }

  async #drain(sync: FleetSync, store: FleetStore): Promise<void> {
    while (this.#pending !== undefined && !this.#stopped) {
      const since = this.#pending;
      this.#pending = undefined;
      try {
        sync.applyRows(await store.readSince(since));
      } catch (error) {
        // Try again shortly; if the connection is really gone, the reconnect re-reads everything anyway.
        this.#logger.warn({ err: error }, 'ballast: could not read a fleet change; retrying');
        this.#pending = Math.min(this.#pending ?? since, since);
        await new Promise((resolve) => setTimeout(resolve, RETRY_READ_MS));
      }
    }
  }
}
