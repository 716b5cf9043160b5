import { z } from 'zod';
import { intBetween, parseSettings } from '../settings/validate.js';

/** A Redis server kept as a broker: one stream per topic, consumer groups per subscriber group. */
export interface RedisStreamsBrokerOptions {
  /** The broker kind: Redis Streams. */
  type: 'redis-streams';
  /** `redis://host:port`. Run Redis with `appendonly yes` so a restart keeps what it confirmed. */
  url: string;
  /** Approximate cap on each topic's stream (`XADD MAXLEN ~`). Default `1000000`. */
  maxLength?: number;
  /** An entry another consumer of the group left unacknowledged this long is taken over. Default `60000`. */
  claimIdleMs?: number;
  /** Prefix of the stream keys. Default `ballast`. */
  prefix?: string;
}

/** A NATS server with JetStream: one file-stored stream for every topic, a durable consumer per group. */
export interface NatsJetStreamBrokerOptions {
  /** The broker kind: NATS JetStream. */
  type: 'nats-jetstream';
  /** `nats://host:port`, or several. */
  servers: string | string[];
  /** The JetStream stream, created when missing with subjects `<stream lowercased>.>`. Default `BALLAST`. */
  stream?: string;
  /** How long JetStream waits for an ack before redelivering. Default `60000`. */
  ackWaitMs?: number;
}

/** A RabbitMQ node: a durable topic exchange, a durable queue per topic and group, persistent messages, publisher confirms. */
export interface AmqpBrokerOptions {
  /** The broker kind: RabbitMQ (AMQP 0-9-1). */
  type: 'amqp';
  /** `amqp://user:pass@host:port/vhost`. */
  url: string;
  /** The topic exchange. Default `ballast`. */
  exchange?: string;
}

export type BrokerOptions = RedisStreamsBrokerOptions | NatsJetStreamBrokerOptions | AmqpBrokerOptions;

/** How `publish` chooses and waits. */
export interface MessagingOptions {
  /** Longest `publish` waits for some broker to confirm before throwing `PublishError`. Default `2000`. */
  publishTimeoutMs?: number;
  /** Longest one broker may take to confirm before the next one is tried. Default `500`. */
  confirmTimeoutMs?: number;
  /**
   * How long `dedupe: 'postgres'` remembers a handled id; older ids are deleted in the background.
   * Keep it above the longest a copy can arrive late (broker redelivery, outbox retries). Default `86400000` (a day).
   */
  dedupeRetentionMs?: number;
  /**
   * How long the database keeps a dead message (`GET /subscriptions/dead`); older ones are deleted in the background.
   * Default `604800000` (a week).
   */
  deadRetentionMs?: number;
}

const name = z.string().regex(/^[A-Za-z0-9_-]+$/, { error: 'must be letters, digits, "_" or "-"' });

const redisSchema = z.strictObject({
  type: z.literal('redis-streams'),
  url: z.string({ error: 'must be a redis:// URL' }).regex(/^rediss?:\/\//, { error: 'must be a redis:// URL' }),
  maxLength: intBetween(1000, 1e9).default(1_000_000),
  claimIdleMs: intBetween(1000, 86_400_000).default(60_000),
  prefix: name.default('ballast'),
});
const natsSchema = z.strictObject({
  type: z.literal('nats-jetstream'),
  servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: 'must be a nats:// URL or a list of them' }),
  stream: name.default('BALLAST'),
  ackWaitMs: intBetween(1000, 3_600_000).default(60_000),
});
const amqpSchema = z.strictObject({
  type: z.literal('amqp'),
  url: z.string({ error: 'must be an amqp:// URL' }).regex(/^amqps?:\/\//, { error: 'must be an amqp:// URL' }),
  exchange: name.default('ballast'),
});
const brokerSchema = z.discriminatedUnion('type', [redisSchema, natsSchema, amqpSchema], {
  error: 'type must be "redis-streams", "nats-jetstream" or "amqp"',
});
const brokersSchema = z.record(name, brokerSchema);
const messagingSchema = z.strictObject({
  publishTimeoutMs: intBetween(1, 600_000).default(2000),
  confirmTimeoutMs: intBetween(1, 600_000).default(500),
  dedupeRetentionMs: intBetween(1000, 365 * 86_400_000).default(86_400_000),
  deadRetentionMs: intBetween(1000, 365 * 86_400_000).default(7 * 86_400_000),
});

export type ResolvedRedisBroker = z.output<typeof redisSchema>;
export type ResolvedNatsBroker = z.output<typeof natsSchema>;
export type ResolvedAmqpBroker = z.output<typeof amqpSchema>;
export type ResolvedBroker = z.output<typeof brokerSchema>;
export type ResolvedMessagingOptions = z.output<typeof messagingSchema>;

/** Validates `brokers` and `messaging` once, at construction; errors name the field. */
export function resolveMessagingOptions(
  brokers: unknown,
  messaging: unknown,
): { brokers: Record<string, ResolvedBroker>; messaging: ResolvedMessagingOptions } {
  return {
    brokers: parseSettings(brokersSchema, brokers ?? {}, 'brokers'),
    messaging: parseSettings(messagingSchema, messaging ?? {}, 'messaging'),
  };
}
