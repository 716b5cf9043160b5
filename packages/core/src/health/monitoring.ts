import type { AuditLog } from '../admin/audit.js';
import type { TokenVerifier } from '../admin/auth.js';
import { registerAdminErrorStatus } from '../admin/errors.js';
import type { AdminRoute } from '../admin/route.js';
import { AssertMonitor, assertRoutes, parseObserveOptions, type AssertEvents, type BreakerSource, type OutboxSource } from '../asserts/index.js';
import { asConfigError, type BallastOptions } from '../config.js';
import type { SafeEmitter } from '../events/index.js';
import type { DependencyRegistry } from '../dependencies/index.js';
import type { LimitRegistry } from '../limits/index.js';
import { MissingPeerError } from '../peers/index.js';
import {
  DeliveryDurations,
  MetricsExporter,
  breakerFamilies,
  coreFamilies,
  metricsRoutes,
  messagingFamilies,
  outboxFamilies,
  parseMetricsOptions,
  type MessagingMetricSource,
  type OutboxMetricSource,
} from '../metrics/index.js';
import { HttpObserver } from '../observe/index.js';
import type { Logger } from '../util/logger.js';
import type { BrokerHealthSource } from './checks.js';
import { parseHealthOptions } from './options.js';
import { readiness, type HealthReport } from './checks.js';
import { healthRoutes } from './routes.js';
import type { RolledBackSource } from './checks.js';
import { ShedLog } from './shedLog.js';

/** Events of other modules that monitoring logs and measures. */
export interface WatchedEvents {
  'outbox:delivered': { destination: string; durationMs?: number };
  'outbox:retry': { destination: string; durationMs?: number };
  'outbox:dead': { destination: string; id: string; attempt: number; error: string; durationMs?: number };
  'worker:restarted': { worker: string; restarts: number };
}

/** Everything monitoring adds to an instance. */
export interface Monitoring {
  observer: HttpObserver;
  asserts: AssertMonitor;
  metrics: MetricsExporter;
  routes: AdminRoute[];
  /** The readiness verdict `/health` and `/readyz` answer with, e.g. for the fleet heartbeat. */
  readiness(): Promise<HealthReport>;
  /** Hands over the outbox once it exists: its stats feed asserts, readiness and metrics. */
  attachOutbox(outbox: OutboxMetricSource): void;
  /** Hands over messaging: each broker shows on `/health` and in metrics. */
  attachMessaging(messaging: MessagingMetricSource & BrokerHealthSource): void;
  lifecycle: { start(): Promise<void>; stop(): Promise<void> };
}

export interface MonitoringDeps {
  limits: LimitRegistry;
  dependencies: DependencyRegistry;
  audit: AuditLog;
  events: SafeEmitter<AssertEvents>;
  logger: Logger;
  tokens: TokenVerifier;
  /** Flags stepped back by their guard show as warnings. */
  flags?: RolledBackSource;
}

/**
 * Wires observation, asserts, health and metrics for `createBallast`. The
 * measuring window turns once the instance starts or an adapter's `observe()`
 * is mounted; `stop()` ends every timer.
 */
export function createMonitoring(options: BallastOptions, deps: MonitoringDeps): Monitoring {
  const observeOptions = asConfigError(() => parseObserveOptions(options.observe));
  const health = asConfigError(() => parseHealthOptions(options.health));
  const metricsOptions = asConfigError(() => parseMetricsOptions(options.metrics));
  const observer = new HttpObserver(observeOptions.windowMs);
  const breakers = breakerSource(deps.dependencies);
  // Destination names are known from the options, so asserts naming one compile before the outbox exists.
  const destinations = Object.keys((options as { outbox?: { destinations?: object } }).outbox?.destinations ?? {});
  const outboxRef: { current?: OutboxMetricSource } = {};
  const outboxSignals = destinations.length === 0 ? undefined : outboxSource(destinations, outboxRef);
  const outboxDatabase = destinations.length === 0 ? undefined : { ping: () => attached(outboxRef).ping() };
  const brokersRef: { current?: BrokerHealthSource } = {};
  const brokers: BrokerHealthSource = { views: () => brokersRef.current?.views() ?? {} };
  const asserts = new AssertMonitor(options.asserts ?? {}, observeOptions.evaluateIntervalMs, {
    ...deps,
    breakers,
    outbox: outboxSignals,
    observer,
  });
  const durations = new DeliveryDurations();
  // Monitoring only listens, to the slice of the event map it declares.
  watchEvents(deps.events as unknown as SafeEmitter<WatchedEvents>, deps.logger, durations);
  const families = [...coreFamilies({ observer, limits: deps.limits, asserts }), ...breakerFamilies(deps.dependencies)];
  const metrics = new MetricsExporter(families, metricsOptions, observer);
  const shedLog = new ShedLog(deps.limits, deps.logger);
  observer.every(1000, () => shedLog.flush());
  registerAdminErrorStatus(MissingPeerError.code, 501);

  const routes = [
    ...assertRoutes(asserts),
    ...healthRoutes({
      asserts,
      breakers,
      outbox: outboxDatabase,
      flags: deps.flags,
      brokers,
      observer,
      probesPublic: health.probesPublic,
      healthPublic: health.healthPublic,
      authenticated: (header) => deps.tokens.verify(header) !== undefined,
    }),
    ...metricsRoutes(metrics),
  ];
  return {
    observer,
    asserts,
    metrics,
    routes,
    readiness: () => readiness({ asserts, breakers, outbox: outboxDatabase }),
    attachOutbox(outbox) {
      outboxRef.current = outbox;
      if (destinations.length > 0) metrics.add(...outboxFamilies(outbox, durations));
    },
    attachMessaging(messaging) {
      brokersRef.current = messaging;
      metrics.add(...messagingFamilies(messaging));
    },
    lifecycle: {
      start: async () => {
        observer.start();
        await metrics.startOpenTelemetry();
      },
      stop: async () => observer.stop(),
    },
  };
}

/**
 * Breakers as asserts and health see them. A dependency counts as having a
 * fallback once any of its reads was answered degraded: fallbacks are given
 * per read, so what was served is the only evidence.
 */
function breakerSource(dependencies: DependencyRegistry): BreakerSource {
  return {
    names: () => dependencies.names(),
    has: (name) => dependencies.has(name),
    isOpen: (name) => dependencies.get(name).state === 'open',
    hasFallback: (name) => dependencies.get(name).degraded > 0,
  };
}

function attached(ref: { current?: OutboxMetricSource }): OutboxMetricSource {
  if (ref.current === undefined) throw new Error('the outbox is not attached');
  return ref.current;
}

function outboxSource(destinations: string[], ref: { current?: OutboxMetricSource }): OutboxSource {
  return {
    has: (destination) => destinations.includes(destination),
    pending: async () => {
      const stats = await attached(ref).stats();
      const out: Record<string, { pending: number; oldestAgeMs: number | null }> = {};
      for (const [name, s] of Object.entries(stats)) out[name] = { pending: s.pending, oldestAgeMs: s.oldestPendingAgeMs };
      return out;
    },
  };
}

/** Dead letters and worker restarts get a log line; delivery durations feed the histogram. */
function watchEvents(events: SafeEmitter<WatchedEvents>, logger: Logger, durations: DeliveryDurations): void {
  const timed = (outcome: string) => (e: { destination: string; durationMs?: number }) => {
    if (e.durationMs !== undefined) durations.record(e.destination, outcome, e.durationMs);
  };
  events.on('outbox:delivered', timed('delivered'));
  events.on('outbox:retry', timed('retry'));
  events.on('outbox:dead', (e) => {
    timed('dead')(e);
    logger.warn({ destination: e.destination, id: e.id, attempt: e.attempt, error: e.error }, 'ballast: outbox message moved to dead');
  });
  events.on('worker:restarted', (e) => logger.info({ worker: e.worker, restarts: e.restarts }, 'ballast: background worker restarted'));
}
