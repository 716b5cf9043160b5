export { RequestScope, DEGRADED_HEADER } from './request.js';
export { MissingScopeError, isMissingScopeError, ScopeOwners, tagMiddleware, taggedInstance, BALLAST_INSTANCE } from './missing.js';
