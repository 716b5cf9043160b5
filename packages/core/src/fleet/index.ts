export { Fleet, fleetFor, type FleetParts } from './fleet.js';
export { resolveFleetOptions, type FleetOptions, type ResolvedFleetOptions } from './options.js';
export { FleetStoreUnavailableError, isFleetStoreUnavailableError } from './errors.js';
export { assertFleetRoutes, dependencyOverrideRoutes, fleetStatusRoute } from './routes.js';
export { SharedRateGate, type SharedRate } from './rateGate.js';
export type { FleetEvents } from './sync.js';
export type { FieldSource, SettingsSource, StoredChange } from './origin.js';
export type { RedisClient } from './redisRate.js';
export { migrateFleet } from './sql/migrate.js';
