export {
  DependencyRegistry,
  type DependencyDefinition,
  type DependencyView,
  type DependencyEvents,
  type DependencyUpdateOptions,
} from './registry.js';
export { Dependency, type ReadOptions, type ReadResult, type ReadSource } from './dependency.js';
export type { DependencyStats } from './stats.js';
export { BreakerMachine, type BreakerState, type BreakerStateName, type Ticket, type TransitionReason } from './machine.js';
export { RollingWindow } from './window.js';
export { LastGoodCache } from './cache.js';
export type { DependencyCall, ErrorFilter } from './executor.js';
export {
  DependencyOpenError,
  DependencyTimeoutError,
  isDependencyOpenError,
  isDependencyTimeoutError,
} from './errors.js';
export {
  dependencySettingsSchema,
  dependencyPatchSchema,
  parseDependencySettings,
  mergeDependencyPatch,
  DEPENDENCY_DEFAULTS,
  type DependencySettings,
  type DependencySettingsInput,
  type DependencyPatch,
  type BreakerForce,
} from './settings.js';
export { dependencyRoutes } from './routes.js';
