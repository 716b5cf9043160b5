// The raw clients, each publishing with the same confirm Ballast waits for:
// the XADD reply, the JetStream PubAck (with a msgID), a RabbitMQ publisher confirm
// of a persistent message on a durable topic exchange.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { connect as natsConnect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import amqp from 'amqplib';

export async function rawRedis(url) {
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  await new Promise((resolve) => client.once('ready', resolve));
  return {
    publish: (topic, body) => client.xadd(`ballast:${topic}`, 'MAXLEN', '~', 1_000_000, '*', 'id', randomUUID(), 'body', body),
    remove: (topic) => client.del(`ballast:${topic}`),
    close: () => client.quit(),
  };
}

export async function rawNats(servers) {
  const nc = await natsConnect({ servers });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.info('BALLAST').catch(() => jsm.streams.add({ name: 'BALLAST', subjects: ['ballast.>'], storage: 'file', max_msgs: 1_000_000 }));
  const js = jetstream(nc);
  return {
    publish: (topic, body) => js.publish(`ballast.${topic}`, body, { msgID: randomUUID(), timeout: 500 }),
    remove: (topic) => jsm.streams.purge('BALLAST', { filter: `ballast.${topic}.>` }).then(() => jsm.streams.purge('BALLAST', { filter: `ballast.${topic}` })),
    close: () => nc.close(),
  };
}

export async function rawAmqp(url) {
  const connection = await amqp.connect(url);
  const channel = await connection.createConfirmChannel();
  await channel.assertExchange('ballast', 'topic', { durable: true });
  return {
    publish: (topic, body) =>
      new Promise((resolve, reject) =>
        channel.publish('ballast', topic, Buffer.from(body), { persistent: true, messageId: randomUUID(), contentType: 'application/json' }, (error) =>
          error == null ? resolve() : reject(error),
        ),
      ),
    // Nothing to remove: with no queue bound to the topic, RabbitMQ kept nothing.
    remove: async () => {},
    close: () => connection.close(),
  };
}
