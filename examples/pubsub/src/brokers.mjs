// The three brokers both services know. Each message goes to one of them; each
// subscriber listens to all three, so either service survives losing any one.
export const brokers = {
  redis: { type: 'redis-streams', url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
  nats: { type: 'nats-jetstream', servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' },
  rabbit: { type: 'amqp', url: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672' },
};

/** Each service's own database: DATABASE_URL's server (one schema each), else its own embedded PGlite. */
export const database = (service) =>
  process.env.DATABASE_URL ? { database: process.env.DATABASE_URL, schema: `example_${service}` } : { dataDir: `.ballast/${service}` };
