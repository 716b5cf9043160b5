import { AdminApi } from './admin/api.js';
import { AuditLog } from './admin/audit.js';
import { TokenVerifier } from './admin/auth.js';
import { listenAdmin, type AdminListenOptions, type AdminServer } from './admin/listen.js';
import type { AdminRoute } from './admin/route.js';
import { asConfigError, validateOptions, type BallastOptions } from './config.js';
import { BallastError } from './errors/index.js';
import { SafeEmitter } from './events/index.js';
import { jsonReply, type AdminRequest, type Reply } from './http/types.js';
import { LimitRegistry, limitRoutes, type LimitEvents } from './limits/index.js';
import { DependencyRegistry, dependencyRoutes, type Dependency, type DependencyEvents } from './dependencies/index.js';
import { silentLogger, type Logger } from './util/logger.js';
import {
  assertFleetRoutes,
  dependencyOverrideRoutes,
  findAppVersion,
  fleetFor,
  fleetInstancesRoute,
  fleetStatusRoute,
  type Fleet,
  type FleetEvents,
} from './fleet/index.js';
import { Outbox, outboxRoutes, resolveOutboxOptions, type OutboxEvents } from './outbox/index.js';
import { dashboardRoutes, overviewRoute } from './dashboard/index.js';
import { createMonitoring, type Monitoring } from './health/monitoring.js';
import type { AssertEvents, AssertMonitor } from './asserts/index.js';
import type { HttpObserver } from './observe/index.js';
import { flagFamilies, type MetricsExporter } from './metrics/index.js';
import { FlagGuards, FlagRegistry, flagRoutes, parseRollout, storeStepBack, type FlagEvents } from './flags/index.js';
import {
  Messaging,
  bindPublishDestinations,
  messagingRoutes,
  resolveMessagingOptions,
  type DedupeMode,
  type Message,
  type MessageHandler,
  type MessageSchema,
  type MessagingEvents,
  type PublishReceipt,
  type SubscribeOptions,
  type SubscriptionHandle,
} from './messaging/index.js';
import { DedupeDatabase } from './messaging/database.js';
import { brokerTarget } from './messaging/fleetTarget.js';

/** Every event a Ballast instance emits, by `noun:verb` name. */
export interface BallastEvents extends AssertEvents, LimitEvents, DependencyEvents, FleetEvents, OutboxEvents, MessagingEvents, FlagEvents {
  /** A listener of `event` threw; Ballast went on. */
  'listener:error': { event: string; error: unknown };
}

/** The admin API of one instance, for adapters and the standalone listener. */
export interface BallastAdmin {
  /** Whether at least one token is configured. */
  readonly enabled: boolean;
  /** Handles one request already translated by an adapter. */
  handle(req: AdminRequest): Promise<Reply>;
  /** Serves the admin API on its own port (loopback by default). Throws when no token is configured. */
  listen(options?: AdminListenOptions): Promise<AdminServer>;
  /** Throws unless a token is configured (adapters call it when mounting). */
  assertEnabled(): void;
  /** Adds routes (used by feature modules). */
  addRoutes(...routes: AdminRoute[]): void;
  /** Every route this instance serves (method, path, whether it answers without a token), e.g. for docs and dashboards. */
  routes(): { method: string; path: string; public: boolean }[];
}

/** A part of Ballast with background work, started and stopped with the instance. */
export interface Lifecycle {
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export interface Ballast {
  /** Named limits: `update`, `view`, `gate`. */
  readonly limits: LimitRegistry;
  /** Fleet mode (`fleet` option): `connected`; `undefined` when each instance is on its own. */
  readonly fleet: Fleet | undefined;
  /** The write outbox: `enqueue`, `desync`, `stats`, `dead`, `retryDead`, `pause`, `resume`. */
  readonly outbox: Outbox;
  /** Brokers and subscriptions: `views`, `drain`, `subscriptions`, `dead`. */
  readonly messaging: Messaging;
  /**
   * Sends a flat key/value message to one broker (chosen by health, then recent confirm latency) and resolves once it
   * confirmed. Throws `InvalidMessageError` naming the key before any broker sees it, `PublishError` when no broker
   * confirmed within `messaging.publishTimeoutMs`.
   *
   * @example
   * await ballast.publish('order.created', { orderId: '42', totalCents: 1999, currency: 'EUR' });
   */
  publish(topic: string, message: Message): Promise<PublishReceipt>;
  /**
   * Consumes `topic` from every broker with the durable group `options.group`; acks after `handler` resolves,
   * retries, and moves a message to the dead list after `maxAttempts`. Works before or after `start()`.
   *
   * @example
   * ballast.subscribe('order.created', { group: 'billing', dedupe: 'postgres' }, async (message, ctx) => {
   *   await ctx.client.query('insert into invoices (order_id) values ($1)', [message.orderId]);
   * });
   */
  subscribe<S extends MessageSchema | undefined = undefined, D extends DedupeMode = 'memory'>(
    topic: string,
    options: SubscribeOptions<S, D>,
    handler: MessageHandler<S, D>,
  ): SubscriptionHandle;
  /** Live HTTP measurements that `observe()` feeds. */
  readonly observer: HttpObserver;
  /** Monitoring asserts: `evaluate`, `set`, `remove`. */
  readonly asserts: AssertMonitor;
  /** Prometheus text and registry (prom-client loaded on first use). */
  readonly metrics: MetricsExporter;
  /** Feature flags: `enabled(name, { stage, key })`, `evaluate`, `view`, `set`, `promote`, `rollback`. */
  readonly flags: FlagRegistry;
  /** Named dependencies behind breakers: `names`, `view`, `views`, `update`. */
  readonly dependencies: DependencyRegistry;
  /** One dependency, for degraded reads outside a request: `ballast.dependency('profiles').read(fn, { fallback })`. Throws for an unknown name. */
  dependency(name: string): Dependency;
  readonly admin: BallastAdmin;
  /** Recent changes, newest first via `recent()`. */
  readonly audit: AuditLog;
  /** Typed events; a throwing listener never breaks Ballast. */
  readonly events: SafeEmitter<BallastEvents>;
  readonly logger: Logger;
  /** Runs migrations, starts workers and listeners. Safe to call in every instance. */
  start(): Promise<void>;
  /** Graceful: sheds queued requests, stops background work. */
  stop(): Promise<void>;
}

export class AdminDisabledError extends BallastError {
  static readonly code = 'BALLAST_ADMIN_DISABLED';
  constructor() {
    super(AdminDisabledError.code, 'The admin API needs at least one token: set admin.tokens in createBallast');
  }
}

/**
 * Creates a Ballast instance. Invalid options throw `BallastConfigError` naming the field.
 *
 * @example
 * const ballast = createBallast({
 *   limits: { search: { maxConcurrent: 4, maxQueue: 8, queueTimeoutMs: 500 } },
 *   admin: { tokens: { ops: { secret: process.env.BALLAST_ADMIN_TOKEN!, role: 'write' } } },
 * });
 */
export function createBallast(options?: BallastOptions): Ballast {
  const resolved = validateOptions(options);
  const logger = resolved.logger ?? silentLogger;
  const events = new SafeEmitter<BallastEvents>();
  const audit = new AuditLog(resolved.admin?.auditSize);
  const limits = asConfigError(() => new LimitRegistry(resolved.limits ?? {}, { audit, events, logger }));
  const dependencies = asConfigError(() => new DependencyRegistry(resolved.dependencies ?? {}, { audit, events, logger }));
  const rollout = asConfigError(() => parseRollout(resolved.stage, resolved.rollout));
  const flags = asConfigError(() => new FlagRegistry(resolved.flags ?? {}, rollout, { audit, events, logger }));
  const tokens = new TokenVerifier(resolved.admin?.tokens ?? {});
  const api = new AdminApi(tokens, logger);
  const lifecycles: Lifecycle[] = [];
  const monitoring: Monitoring = createMonitoring(resolved, { limits, dependencies, audit, events, logger, tokens, flags: flags.guards });
  lifecycles.push(monitoring.lifecycle);
  const guards = new FlagGuards(flags, monitoring.asserts, logger);
  lifecycles.push({ stop: async () => guards.stop() });
  monitoring.metrics.add(...flagFamilies(flags));

  const fleetParts = {
    limits,
    dependencies,
    asserts: monitoring.asserts,
    codeAsserts: resolved.asserts ?? {},
    flags,
    events,
    logger,
    // Looked up only in fleet mode: no file system walk for an instance on its own.
    instance: { stage: rollout.stage, get appVersion() { return resolved.appVersion ?? findAppVersion(); } },
    health: async () => (await monitoring.readiness()).status,
  };
  const fleet = asConfigError(() => fleetFor(resolved, fleetParts));
  if (fleet !== undefined) {
    lifecycles.push(fleet);
    // Before the asserts module's routes: in fleet mode these take over its PUT and DELETE.
    api.add(fleetStatusRoute(fleet), ...assertFleetRoutes(fleet, monitoring.asserts));
    if (fleet.presence !== undefined) api.add(fleetInstancesRoute(fleet.presence, () => flags.stages));
  }
  api.add(...limitRoutes(limits, fleet?.writer('limit')));
  const flagWriter = fleet?.writer('flag');
  api.add(...flagRoutes(flags, flagWriter));
  if (flagWriter !== undefined) guards.useStepBack(storeStepBack(flagWriter));
  // Before the dependency module's routes: in fleet mode these take over its GET and PATCH.
  api.add(...dependencyOverrideRoutes(dependencies, fleet));
  api.add(...monitoring.routes);
  api.add(...dependencyRoutes(dependencies));
  const messagingOptions = asConfigError(() => resolveMessagingOptions(resolved.brokers, resolved.messaging));
  const dedupe: { database?: DedupeDatabase } = {};
  const messaging = new Messaging(messagingOptions.brokers, messagingOptions.messaging, {
    events,
    logger,
    audit,
    database: () => (dedupe.database as DedupeDatabase).get(),
    durableDead: resolved.outbox !== undefined,
  });
  const outboxInput = bindPublishDestinations(resolved.outbox, (topic, message, id) => messaging.publish(topic, message, id));
  const outboxOptions = resolved.outbox === undefined ? undefined : asConfigError(() => resolveOutboxOptions(outboxInput));
  const outbox = new Outbox(outboxOptions, { events, logger, audit });
  dedupe.database = new DedupeDatabase(outbox, logger);
  lifecycles.push(outbox);
  api.add(...outboxRoutes(outbox));
  monitoring.attachOutbox(outbox);
  // After the outbox: stopped before it, so no handler's transaction outlives the outbox's database.
  lifecycles.push({ start: () => messaging.start(), stop: async () => {
    await messaging.stop();
    await dedupe.database?.close();
  } });
  // In fleet mode a broker's drain is stored and followed by every instance, like a limit's override.
  if (fleet?.sync !== undefined && messaging.brokers.length > 0) fleet.sync.add(brokerTarget(messaging));
  api.add(...messagingRoutes(messaging, messaging.brokers.length > 0 ? fleet?.writer('broker') : undefined));
  if (messaging.brokers.length > 0) monitoring.attachMessaging(messaging);
  api.add({ method: 'GET', path: '/audit', handle: ({ query }) => auditReply(audit, query) });
  api.add(...dashboardRoutes(), overviewRoute(api.routes));

  const admin: BallastAdmin = {
    get enabled() {
      return tokens.size > 0;
    },
    handle: (req) => api.handle(req),
    listen: async (listenOptions) => {
      admin.assertEnabled();
      return listenAdmin(api, listenOptions);
    },
    assertEnabled: () => {
      if (tokens.size === 0) throw new AdminDisabledError();
    },
    addRoutes: (...routes) => api.add(...routes),
    routes: () => api.routes.list(),
  };

  let started: Promise<void> | undefined;
  // Bumped by stop(): a start() still under way starts no further part.
  let generation = 0;
  return {
    limits,
    flags,
    fleet,
    observer: monitoring.observer,
    asserts: monitoring.asserts,
    metrics: monitoring.metrics,
    dependencies,
    dependency: (name) => dependencies.get(name),
    outbox,
    messaging,
    publish: (topic, message) => messaging.publish(topic, message),
    subscribe: (topic, options, handler) => messaging.subscribe(topic, options, handler),
    admin,
    audit,
    events,
    logger,
    start() {
      if (started !== undefined) return started;
      const mine = generation;
      const run = (async () => {
        for (const part of lifecycles) {
          if (generation !== mine) return;
          await part.start?.();
        }
      })();
      started = run;
      // A failed start can be retried: the next start() begins again.
      run.catch(() => {
        if (started === run) started = undefined;
      });
      return run;
    },
    async stop() {
      generation++;
      const starting = started;
      started = undefined;
      // Let a start() under way finish its current part, so stopping leaves nothing it started running.
      await starting?.catch(() => {});
      limits.closeQueues();
      for (const part of [...lifecycles].reverse()) await part.stop?.();
      dependencies.shutdown();
    },
  };
}

function auditReply(audit: AuditLog, query: URLSearchParams): Reply {
  const raw = query.get('limit');
  const limit = raw === null ? 100 : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    return jsonReply(400, { error: 'invalid', field: 'limit', message: 'must be an integer between 1 and 1000' });
  }
  return jsonReply(200, { entries: audit.recent(limit) });
}
