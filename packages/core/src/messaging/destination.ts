import { DeliveryError, PermanentDeliveryError } from '../outbox/errors.js';
import type { Deliver } from '../outbox/types.js';
import { isInvalidMessageError } from './errors.js';
import { checkTopic } from './message.js';
import type { PublishReceipt } from './types.js';

const TOPIC = Symbol.for('ballast.publishDestination.topic');

type Publish = (topic: string, message: unknown, id: string) => Promise<PublishReceipt>;

/**
 * An outbox destination that publishes each message on `topic` through the
 * instance's brokers, with the outbox message's idempotency key as the
 * message id, so every retry carries the same id and subscribers keep one.
 * The outbox retries until some broker confirms.
 *
 * @example
 * const ballast = createBallast({
 *   brokers: { redis: { type: 'redis-streams', url: 'redis://127.0.0.1:6379' } },
 *   outbox: { destinations: { events: { deliver: publishDestination('order.created') } } },
 * });
 * await ballast.outbox.enqueue('events', { orderId: '42' }, { client });
 */
export function publishDestination(topic: string): Deliver {
  checkTopic(topic);
  const unbound: Deliver = async () => {
    throw new DeliveryError(`publishDestination('${topic}') publishes only as a destination in createBallast's outbox option`);
  };
  return Object.assign(unbound, { [TOPIC]: topic });
}

/** Replaces each `publishDestination` in the outbox options with one bound to this instance's `publish`. */
export function bindPublishDestinations(outbox: unknown, publish: Publish): unknown {
  if (typeof outbox !== 'object' || outbox === null) return outbox;
  const destinations = (outbox as { destinations?: unknown }).destinations;
  if (typeof destinations !== 'object' || destinations === null) return outbox;
  const bound: Record<string, unknown> = {};
  for (const [name, destination] of Object.entries(destinations)) {
    const topic = (destination as { deliver?: { [TOPIC]?: string } } | null)?.deliver?.[TOPIC];
    bound[name] = topic === undefined ? destination : { ...(destination as object), deliver: boundDeliver(topic, publish) };
  }
  return { ...outbox, destinations: bound };
}

function boundDeliver(topic: string, publish: Publish): Deliver {
  return async (message) => {
    try {
      await publish(topic, message.payload, message.idempotencyKey);
    } catch (error) {
      // A payload that is not a flat map will never publish: dead at once instead of 25 retries.
      if (isInvalidMessageError(error)) throw new PermanentDeliveryError(error.message, { cause: error });
      throw error;
    }
  };
}
