import PgBoss from 'pg-boss';

const queue = 'deliver';

/**
 * pg-boss 10: `send` per message; consumers are 4 `work` loops fetching
 * batches of 500, polling at its minimum interval (0.5 s).
 */
export const pgBossSystem = { name: 'pg-boss 10', open };

async function open(url) {
  const boss = new PgBoss({ connectionString: url, max: 12, supervise: false, schedule: false });
  let closing = false;
  boss.on('error', (error) => {
    if (!closing) console.error('pg-boss:', error.message);
  });
  await boss.start();
  await boss.createQueue(queue);

  const enqueue = (i) => boss.send(queue, { i });

  async function preload(n) {
    for (let from = 0; from < n; from += 1000) {
      const jobs = [];
      for (let i = from; i < Math.min(n, from + 1000); i++) jobs.push({ name: queue, data: { i } });
      await boss.insert(jobs);
    }
  }

  async function startConsumer({ deliver, concurrency }) {
    for (let w = 0; w < 4; w++) {
      await boss.work(queue, { batchSize: 500, pollingIntervalSeconds: 0.5 }, async (jobs) => {
        let index = 0;
        const lanes = Array.from({ length: Math.min(concurrency, jobs.length) }, async () => {
          while (index < jobs.length) await deliver(jobs[index++].data);
        });
        await Promise.all(lanes);
      });
    }
  }

  async function settled() {
    const { rows } = await boss.getDb().executeSql(
      "SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state < 'completed'",
      [queue],
    );
    return rows[0].n === 0;
  }

  async function close() {
    closing = true;
    await boss.stop({ graceful: true, wait: true, timeout: 5000 });
  }

  return { enqueue, preload, startConsumer, settled, close };
}
