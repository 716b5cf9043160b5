import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import { ownedPool } from '../lib/db.mjs';

const silent = new Logger(() => () => {});

/**
 * graphile-worker 0.17. For the drain its batching is on (local queue of 500
 * jobs, batched completes); for latency it runs as documented for low latency
 * (no local queue: the local queue trades latency for throughput).
 */
export const graphileSystem = { name: 'graphile-worker 0.17', open };

async function open(url, scenario) {
  // Pools we own, so that dropping the database afterwards cannot crash the run.
  const pool = ownedPool(url);
  const workerPool = ownedPool(url);
  const utils = await makeWorkerUtils({ pgPool: pool, logger: silent });
  await utils.migrate();
  let runner;

  const enqueue = (i) => utils.addJob('deliver', { i });

  async function preload(n) {
    for (let from = 0; from < n; from += 1000) {
      const specs = [];
      for (let i = from; i < Math.min(n, from + 1000); i++) specs.push({ identifier: 'deliver', payload: { i } });
      await utils.addJobs(specs);
    }
  }

  async function startConsumer({ deliver, concurrency }) {
    const batching = scenario === 'latency' ? {} : { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 };
    runner = await run({
      pgPool: workerPool,
      concurrency,
      noHandleSignals: true,
      pollInterval: 1000,
      logger: silent,
      taskList: { deliver: (payload) => deliver(payload) },
      preset: { worker: batching },
    });
  }

  async function settled() {
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM graphile_worker._private_jobs');
    return rows[0].n === 0;
  }

  async function close() {
    await runner?.stop();
    await utils.release();
    await pool.end();
    await workerPool.end();
  }

  return { enqueue, preload, startConsumer, settled, close };
}
