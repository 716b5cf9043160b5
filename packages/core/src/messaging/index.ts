export { Messaging, type MessagingDeps, type SubscriptionHandle } from './messaging.js';
export { resolveMessagingOptions, type BrokerOptions, type RedisStreamsBrokerOptions, type NatsJetStreamBrokerOptions, type AmqpBrokerOptions, type MessagingOptions } from './options.js';
export { InvalidMessageError, isInvalidMessageError, PublishError, isPublishError } from './errors.js';
export { publishDestination, bindPublishDestinations } from './destination.js';
export { messagingRoutes } from './routes.js';
export type { Message, MessageValue, Envelope } from './message.js';
export type { BrokerView, BrokerState } from './slot.js';
export type {
  DedupeMode,
  MessageSchema,
  SubscribeOptions,
  MessageContext,
  MessageHandler,
  HandledMessage,
  DeadLetter,
  DeadReason,
  SubscriptionStats,
  PublishReceipt,
  MessagingEvents,
} from './types.js';
