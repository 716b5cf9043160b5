import { randomBytes } from 'node:crypto';
import type { BrokerOptions } from '@ballast/core';

/**
 * The machine's brokers (CI starts them): Redis, NATS with JetStream and
 * RabbitMQ. Each test uses its own topics and groups, so tests never share messages.
 */
export const machineBrokers = (): Record<string, BrokerOptions> => ({
  redis: { type: 'redis-streams', url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
  nats: { type: 'nats-jetstream', servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' },
  rabbit: { type: 'amqp', url: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672' },
});

/** One broker of the machine's, alone, by name. */
export const onlyBroker = (name: 'redis' | 'nats' | 'rabbit'): Record<string, BrokerOptions> => ({ [name]: machineBrokers()[name] as BrokerOptions });

export const uniqueTopic = (prefix = 't'): string => `${prefix}.${Date.now().toString(36)}.${randomBytes(3).toString('hex')}`;
export const uniqueGroup = (prefix = 'g'): string => `${prefix}-${randomBytes(4).toString('hex')}`;
