import type { AdminRoute } from '../admin/route.js';
import type { Reply } from '../http/types.js';
import { readiness, type HealthReport, type HealthSources } from './checks.js';

export const HEALTH_CONTENT_TYPE = 'application/health+json';

export interface HealthRouteOptions extends HealthSources {
  /** Serve without a token (status only; the checks still need one). */
  public: boolean;
  /** Whether the request carries a valid admin token. */
  authenticated(authorization: string | undefined): boolean;
  /** Version or release shown in the body, when known. */
  releaseId?: string;
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
 * `GET /health` (everything, 503 on fail), `GET /readyz` (the same verdict:
 * asserts, open breakers, outbox database) and `GET /livez` (the process only,
 * so that a dependency blip never makes an orchestrator restart a healthy process).
 */
export function healthRoutes(options: HealthRouteOptions): AdminRoute[] {
  const details = (header: (name: string) => string | undefined): boolean =>
    !options.public || options.authenticated(header('authorization'));
  const publicFlag = options.public ? { public: true } : {};
  return [
    {
      method: 'GET',
      path: '/health',
      ...publicFlag,
      handle: async ({ header }) => healthReply(await readiness(options), details(header)),
    },
    {
      method: 'GET',
      path: '/readyz',
      ...publicFlag,
      handle: async ({ header }) => healthReply(await readiness(options), details(header)),
    },
    {
      method: 'GET',
      path: '/livez',
      ...publicFlag,
      handle: ({ header }) => {
        const uptime = { componentType: 'system' as const, status: 'pass' as const, observedValue: Math.round(process.uptime()), observedUnit: 's', time: new Date().toISOString() };
        return healthReply({ status: 'pass', checks: { 'process:uptime': [uptime] } }, details(header));
      },
    },
  ];
}
