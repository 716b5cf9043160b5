export { AdminApi, ADMIN_MAX_BODY_BYTES } from './api.js';
export { TokenVerifier, type AdminRole, type AdminTokenConfig } from './auth.js';
export { AuditLog, type AuditEntry } from './audit.js';
export { RouteTable, type AdminRoute, type AdminContext, type AdminMethod } from './route.js';
export { errorReply, registerAdminErrorStatus, requestErrorReply } from './errors.js';
export { listenAdmin, nodeAdminRequest, writeNodeReply, type AdminListenOptions, type AdminServer } from './listen.js';
