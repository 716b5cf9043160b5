export { RequestScope, DEGRADED_HEADER, scopeServes } from './request.js';
export { MissingScopeError, isMissingScopeError, ScopeOwners, tagMiddleware, taggedInstance, BALLAST_INSTANCE } from './missing.js';
