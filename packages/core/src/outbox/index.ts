export { Outbox, type OutboxDeps } from './outbox.js';
export { resolveOutboxOptions, type OutboxOptions, type DestinationOptions, type OutboxWorkerOptions, type OutboxBreakerOptions, type ResolvedOutboxOptions } from './options.js';
export { httpDestination, parseRetryAfter, type HttpDestinationOptions } from './http.js';
export { outboxRoutes } from './routes.js';
export {
  OutboxFullError,
  isOutboxFullError,
  InvalidPayloadError,
  isInvalidPayloadError,
  OutboxUnavailableError,
  isOutboxUnavailableError,
  DeliveryError,
  isDeliveryError,
  PermanentDeliveryError,
  isPermanentDeliveryError,
} from './errors.js';
export type {
  OutboundMessage,
  Deliver,
  DestinationStats,
  DeadMessage,
  EnqueueOptions,
  EnqueueResult,
  SqlClientLike,
  DesyncMode,
  DesyncOptions,
  DesyncResult,
  OutboxEvents,
} from './types.js';
export type { DatabaseOption, PgPool, PGliteInstance } from './store/index.js';
export { uuidv7 } from './ids.js';
