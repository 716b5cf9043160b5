export { dashboardRoutes } from './routes.js';
export { overviewRoute } from './overview.js';
export { DASHBOARD_SECURITY_HEADERS } from './headers.js';
