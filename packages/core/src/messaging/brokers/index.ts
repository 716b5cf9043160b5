import type { Broker } from '../broker.js';
import type { ResolvedBroker } from '../options.js';
import { AmqpBroker } from './amqp.js';
import { NatsJetStreamBroker } from './nats.js';
import { RedisStreamsBroker } from './redis.js';

/** The adapter for one configured broker; its client package is imported only when it connects. */
export function createBroker(name: string, options: ResolvedBroker, confirmTimeoutMs: number): Broker {
  switch (options.type) {
    case 'redis-streams':
      return new RedisStreamsBroker(name, options);
    case 'nats-jetstream':
      return new NatsJetStreamBroker(name, options, confirmTimeoutMs);
    case 'amqp':
      return new AmqpBroker(name, options);
    default:
      return options satisfies never;
  }
}
