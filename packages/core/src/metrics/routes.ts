import type { AdminRoute } from '../admin/route.js';
import type { MetricsExporter } from './exporter.js';

/** `GET /metrics`: Prometheus text. */
export function metricsRoutes(metrics: MetricsExporter): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/metrics',
      handle: async () => {
        const { contentType, body } = await metrics.text();
        return { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store' }, body };
      },
    },
  ];
}
