export { LimitRegistry, type LimitView, type LimitEvents, type UpdateOptions } from './registry.js';
export { Gate, isShed, type Admission, type Queued, type Release } from './gate.js';
export { Limiter, type Shed, type ShedReason, type LimitStats } from './limiter.js';
export {
  limitSettingsSchema,
  limitPatchSchema,
  parseLimitPatch,
  parseLimitSettings,
  type LimitSettings,
  type LimitSettingsInput,
  type LimitPatch,
  type LimitScope,
  type OnStoreDown,
} from './settings.js';
export { limitRoutes, type SettingsWriter } from './routes.js';
export { shedReply } from './shedReply.js';
