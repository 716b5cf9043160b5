export { healthRoutes, HEALTH_CONTENT_TYPE, type HealthRouteOptions } from './routes.js';
export { readiness, worstOf, type HealthCheck, type HealthReport, type HealthSources } from './checks.js';
export { parseHealthOptions, type HealthOptions } from './options.js';
