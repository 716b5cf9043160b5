import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import amqp from 'amqplib';
import type { BrokerOptions } from '@ballast/core';

/**
 * The machine's brokers (CI starts them): Redis, NATS with JetStream and
 * RabbitMQ. Each test uses its own topics and groups, so tests never share messages.
 */
const machineUrls = () => ({
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  nats: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
  rabbit: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
});

export const machineBrokers = (): Record<string, BrokerOptions> => {
  const urls = machineUrls();
  return {
    redis: { type: 'redis-streams', url: urls.redis },
    nats: { type: 'nats-jetstream', servers: urls.nats },
    rabbit: { type: 'amqp', url: urls.rabbit },
  };
};

/** One broker of the machine's, alone, by name. */
export const onlyBroker = (name: 'redis' | 'nats' | 'rabbit'): Record<string, BrokerOptions> => ({ [name]: machineBrokers()[name] as BrokerOptions });

/** Topics and groups made since the last `removeCreated()`: what the tests left on the machine's brokers. */
const created = { topics: new Set<string>(), groups: new Set<string>() };

export const uniqueTopic = (prefix = 't'): string => remember(created.topics, `${prefix}.${Date.now().toString(36)}.${randomBytes(3).toString('hex')}`);
export const uniqueGroup = (prefix = 'g'): string => remember(created.groups, `${prefix}-${randomBytes(4).toString('hex')}`);

function remember(names: Set<string>, name: string): string {
  names.add(name);
  return name;
}

/**
 * Deletes from the machine's brokers what the tests' unique topics and groups
 * made (Ballast's default names: `stop()` leaves them in place on purpose):
 * the Redis stream with its groups, the JetStream subject's messages and
 * durable consumers, the RabbitMQ queues.
 */
export async function removeCreated(): Promise<void> {
  const topics = [...created.topics];
  const groups = [...created.groups];
  created.topics.clear();
  created.groups.clear();
  if (topics.length === 0) return;
  const urls = machineUrls();

  const redis = new Redis(urls.redis, { maxRetriesPerRequest: 0 });
  await redis.del(...topics.map((t) => `ballast:${t}`)).finally(() => redis.disconnect());

  const nc = await natsConnect({ servers: urls.nats });
  const jsm = await jetstreamManager(nc);
  for (const topic of topics) {
    await jsm.streams.purge('BALLAST', { filter: `ballast.${topic}` }).catch(() => {});
    const hash = createHash('sha1').update(topic).digest('hex').slice(0, 16);
    for (const group of groups) await jsm.consumers.delete('BALLAST', `${group}_${hash}`).catch(() => {});
  }
  await nc.close();

  const connection = await amqp.connect(urls.rabbit);
  const channel = await connection.createChannel();
  for (const topic of topics) for (const group of groups) await channel.deleteQueue(`ballast.${topic}.${group}`);
  await connection.close();
}
