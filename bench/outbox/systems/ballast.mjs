import { ownedPool } from '../lib/db.mjs';

/**
 * Ballast's outbox, built (`pnpm build`). One instance with its worker off
 * produces; a second instance with its worker on delivers, so the drain
 * starts from a full table exactly as the other systems' do.
 */
export const ballastSystem = { name: 'Ballast', open: (url) => open(url, {}) };

/**
 * The same with as many messages in hand as graphile-worker's local queue holds
 * (Ballast has no separate prefetch: claimed = in flight), for the drains only.
 * With HTTP this also means that many concurrent POSTs.
 */
export const ballastWideSystem = {
  name: 'Ballast, concurrency 256',
  only: ['drain', 'http'],
  open: (url) => open(url, { concurrency: 256, batchSize: 256 }),
};

const destination = 'bench';

const remote = process.argv.includes('--ballast-remote');

async function open(url, workerOverrides) {
  // Imported here so the other systems still run when core is not built yet.
  // BALLAST_CORE=<path to a built index.js> compares another build of core.
  const { createBallast, httpDestination } = await import(process.env.BALLAST_CORE ?? '@ballast/core');
  const producerPool = ownedPool(url);
  const producer = createBallast({
    outbox: { database: producerPool, destinations: { [destination]: { deliver: async () => {} } }, worker: { enabled: false } },
  });
  await producer.start();
  let consumer;
  let consumerPool;

  // Once a delivering instance runs, enqueue through it: one instance that both enqueues and
  // delivers is the default deployment, and its worker is woken in-process. (Another process
  // is woken by NOTIFY, sent at most every 25 ms: compare with --ballast-remote.)
  const enqueue = (i) => (consumer && !remote ? consumer : producer).outbox.enqueue(destination, { i });

  async function preload(n) {
    const client = await producerPool.connect();
    try {
      for (let from = 0; from < n; from += 1000) {
        await client.query('BEGIN');
        for (let i = from; i < Math.min(n, from + 1000); i++) await producer.outbox.enqueue(destination, { i }, { client });
        await client.query('COMMIT');
      }
    } finally {
      client.release();
    }
  }

  async function startConsumer({ deliver, concurrency, httpUrl }) {
    consumerPool = ownedPool(url);
    const deliverFn = httpUrl ? httpDestination(httpUrl) : (message) => deliver(message.payload);
    consumer = createBallast({
      outbox: {
        database: consumerPool,
        destinations: { [destination]: { deliver: deliverFn } },
        worker: { concurrency, ...workerOverrides },
      },
    });
    await consumer.start();
  }

  async function settled() {
    const stats = (await producer.outbox.stats())[destination];
    return stats.pending === 0 && stats.inFlight === 0;
  }

  async function close() {
    await consumer?.stop();
    await producer.stop();
    await consumerPool?.end();
    await producerPool.end();
  }

  return { enqueue, preload, startConsumer, settled, close, nativeHttp: true };
}
