import type { AdminRoute } from '../admin/route.js';
import type { Reply } from '../http/types.js';
import type { HttpObserver } from '../observe/index.js';
import { readiness, type HealthCheck, type HealthReport, type HealthSources } from './checks.js';

export const HEALTH_CONTENT_TYPE = 'application/health+json';

export interface HealthRouteOptions extends HealthSources {
  /** Serve `/livez` and `/readyz` without a token (status only; the checks still need one). */
  probesPublic: boolean;
  /** Serve `/health` without a token (status only; the checks still need one). */
  healthPublic: boolean;
  /** Whether the request carries a valid admin token. */
  authenticated(authorization: string | undefined): boolean;
  /** For the informational HTTP checks of `/health`. */
  observer: HttpObserver;
}

const uptimeCheck = (time: string): HealthCheck => ({
  componentType: 'system',
  status: 'pass',
  observedValue: Math.round(process.uptime()),
  observedUnit: 's',
  time,
});

/** `/health` shows what Ballast measures besides the verdicts; these never change the status. */
async function informational(observer: HttpObserver, time: string): Promise<Record<string, HealthCheck[]>> {
  const checks: Record<string, HealthCheck[]> = {
    'http:in_flight': [{ componentType: 'system', status: 'pass', observedValue: observer.inFlight, time }],
  };
  if (observer.watchingServers) {
    checks['http:active_connections'] = [{ componentType: 'system', status: 'pass', observedValue: await observer.connections(), time }];
  }
  checks['process:uptime'] = [uptimeCheck(time)];
  return checks;
}

function healthReply(report: HealthReport, details: boolean): Reply {
  const body = details ? { status: report.status, description: 'ballast', checks: report.checks } : { status: report.status };
  return {
    status: report.status === 'fail' ? 503 : 200,
    headers: { 'content-type': HEALTH_CONTENT_TYPE, 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}

/**
 * `GET /health` (the readiness verdict with every check, plus what Ballast
 * measures; 503 on fail), `GET /readyz` (asserts, open breakers, outbox
 * database) and `GET /livez` (the process only,
 * so that a dependency blip never makes an orchestrator restart a healthy process).
 */
export function healthRoutes(options: HealthRouteOptions): AdminRoute[] {
  // A private route is only reached with a token; a public one shows the checks only to a token holder.
  const details = (header: (name: string) => string | undefined): boolean => options.authenticated(header('authorization'));
  const healthFlag = options.healthPublic ? { public: true } : {};
  const probeFlag = options.probesPublic ? { public: true } : {};
  return [
    {
      method: 'GET',
      path: '/health',
      ...healthFlag,
      handle: async ({ header }) => {
        const report = await readiness(options);
        const extra = details(header) ? await informational(options.observer, new Date().toISOString()) : {};
        return healthReply({ status: report.status, checks: { ...report.checks, ...extra } }, details(header));
      },
    },
    {
      method: 'GET',
      path: '/readyz',
      ...probeFlag,
      handle: async ({ header }) => healthReply(await readiness(options), details(header)),
    },
    {
      method: 'GET',
      path: '/livez',
      ...probeFlag,
      handle: ({ header }) => healthReply({ status: 'pass', checks: { 'process:uptime': [uptimeCheck(new Date().toISOString())] } }, details(header)),
    },
  ];
}
