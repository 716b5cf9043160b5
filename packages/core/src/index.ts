export { createBallast, AdminDisabledError, type Ballast, type BallastAdmin, type BallastEvents, type Lifecycle } from './ballast.js';
export type { BallastOptions, AdminOptions } from './config.js';
export * from './errors/index.js';
export { SafeEmitter } from './events/index.js';
export type { Logger } from './util/logger.js';
export { jsonReply, type Reply, type AdminRequest, type RequestBody } from './http/types.js';
export { readNodeBody, nodeRequestBody, BodyTooLargeError } from './http/body.js';
export {
  LimitRegistry,
  Gate,
  PROCEED,
  DROP,
  shedReply,
  limitSettingsSchema,
  limitPatchSchema,
  type Admission,
  type ResponseLifetime,
  type LimitView,
  type LimitSettings,
  type LimitSettingsInput,
  type LimitPatch,
  type LimitStats,
  type Shed,
  type ShedReason,
  type UpdateOptions,
  type LimitScope,
  type OnStoreDown,
  type SettingsWriter,
} from './limits/index.js';
export {
  ADMIN_MAX_BODY_BYTES,
  AuditLog,
  nodeAdminRequest,
  writeNodeReply,
  registerAdminErrorStatus,
  type AdminRoute,
  type AdminContext,
  type AuditEntry,
  type AdminListenOptions,
  type AdminServer,
  type AdminTokenConfig,
  type AdminRole,
} from './admin/index.js';
export { RequestScope, DEGRADED_HEADER } from './scope/index.js';
export { HttpObserver, observeNode, LogHistogram, UNMATCHED_ROUTE, DURATION_BOUNDS_MS, STATUS_CLASSES, type StatusClass } from './observe/index.js';
export {
  AssertMonitor,
  AssertSyntaxError,
  parseAssert,
  type AssertView,
  type AssertStatus,
  type AssertEvents,
  type AssertTransition,
  type AssertInput,
  type ObserveOptions,
} from './asserts/index.js';
export { HEALTH_CONTENT_TYPE, type HealthOptions, type HealthCheck, type HealthReport } from './health/index.js';
export { MetricsExporter, MissingPeerError, type MetricsOptions, type PromRegistry, type OtelMeter } from './metrics/index.js';
export {
  DependencyRegistry,
  Dependency,
  BreakerMachine,
  RollingWindow,
  LastGoodCache,
  DependencyOpenError,
  DependencyTimeoutError,
  isDependencyOpenError,
  isDependencyTimeoutError,
  dependencySettingsSchema,
  dependencyPatchSchema,
  DEPENDENCY_DEFAULTS,
  type DependencyDefinition,
  type DependencyView,
  type DependencyEvents,
  type DependencyUpdateOptions,
  type DependencyStats,
  type DependencySettings,
  type DependencySettingsInput,
  type DependencyPatch,
  type DependencyCall,
  type ErrorFilter,
  type BreakerForce,
  type BreakerState,
  type BreakerStateName,
  type ReadOptions,
  type ReadResult,
  type ReadSource,
  type TransitionReason,
  type Ticket,
} from './dependencies/index.js';
export {
  Fleet,
  FleetStoreUnavailableError,
  isFleetStoreUnavailableError,
  SharedRateGate,
  migrateFleet,
  type FleetOptions,
  type FleetEvents,
  type FieldSource,
  type SettingsSource,
  type SharedRate,
  type RedisClient,
} from './fleet/index.js';
