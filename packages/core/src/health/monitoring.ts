import type { AuditLog } from '../admin/audit.js';
import type { TokenVerifier } from '../admin/auth.js';
import { registerAdminErrorStatus } from '../admin/errors.js';
import type { AdminRoute } from '../admin/route.js';
import { AssertMonitor, assertRoutes, parseObserveOptions, type AssertEvents, type BreakerSource, type OutboxSource } from '../asserts/index.js';
import { asConfigError, type BallastOptions } from '../config.js';
import type { SafeEmitter } from '../events/index.js';
import type { DependencyRegistry } from '../dependencies/index.js';
import type { LimitRegistry } from '../limits/index.js';
import { MetricsExporter, MissingPeerError, breakerFamilies, coreFamilies, metricsRoutes, parseMetricsOptions } from '../metrics/index.js';
import { HttpObserver } from '../observe/index.js';
import type { Logger } from '../util/logger.js';
import { parseHealthOptions } from './options.js';
import { healthRoutes } from './routes.js';
import { ShedLog } from './shedLog.js';

/** Everything monitoring adds to an instance. */
export interface Monitoring {
  observer: HttpObserver;
  asserts: AssertMonitor;
  metrics: MetricsExporter;
  routes: AdminRoute[];
  lifecycle: { start(): Promise<void>; stop(): Promise<void> };
}

export interface MonitoringDeps {
  limits: LimitRegistry;
  dependencies: DependencyRegistry;
  outbox?: OutboxSource;
  audit: AuditLog;
  events: SafeEmitter<AssertEvents>;
  logger: Logger;
  tokens: TokenVerifier;
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
  const asserts = new AssertMonitor(options.asserts ?? {}, observeOptions.evaluateIntervalMs, { ...deps, breakers, observer });
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
      outbox: deps.outbox,
      public: health.public,
      authenticated: (header) => deps.tokens.verify(header) !== undefined,
    }),
    ...metricsRoutes(metrics),
  ];
  return {
    observer,
    asserts,
    metrics,
    routes,
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
