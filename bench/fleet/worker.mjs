// One outbox worker process of the drain bench: built @ballast/core. It waits for
// `go` before starting (so process start-up is not timed), delivers to a simulated
// downstream that takes DELIVER_MS, and returns every idempotency key it delivered.
import { createBallast } from '@ballast/core';

const { database, deliverMs, concurrency } = JSON.parse(process.env.BENCH_FLEET ?? '{}');
const delivered = [];
const ballast = createBallast({
  outbox: {
    database,
    destinations: {
      bench: {
        deliver: async (message) => {
          await new Promise((resolve) => setTimeout(resolve, deliverMs));
          delivered.push(message.idempotencyKey);
        },
      },
    },
    worker: { concurrency, pollIntervalMs: 100 },
  },
});
process.send?.({ type: 'ready' });
process.on('message', async (m) => {
  if (m?.type === 'go') await ballast.start();
  if (m?.type === 'stop') {
    await ballast.stop();
    process.send?.({ type: 'delivered', keys: delivered }, () => process.exit(0));
  }
});
