import { describe, expect, it } from 'vitest';
import type { OutboundMessage } from '@ballast/core';
import { outboxSuite } from './setup.js';
import { needsEnv } from '@ballast/testkit';

const server = needsEnv(['DATABASE_URL'], 'LISTEN/NOTIFY crosses processes only on a PostgreSQL server');
describe.skipIf(server.skip)(server.title('outbox wake-up hints (postgres)'), () => {
  const suite = outboxSuite('postgres');

  it('a NOTIFY from an enqueuing instance wakes a worker long before its polling floor', async () => {
    const calls: OutboundMessage[] = [];
    const { schema, ballast: consumer } = await suite.start({
      destinations: { d: { deliver: async (m) => void calls.push(m) } },
      worker: { pollIntervalMs: 600_000 },
    });
    // Let the worker finish its first round and go to sleep on the 10-minute floor.
    await new Promise((r) => setTimeout(r, 200));
    const { ballast: producer } = await suite.start({ schema, destinations: { d: { deliver: async () => {} } }, worker: { enabled: false } });
    await producer.outbox.enqueue('d', { n: 1 });
    await expect.poll(() => calls.length, { timeout: 5000 }).toBe(1);
    await expect.poll(async () => (await consumer.outbox.stats()).d?.delivered).toBe(1);
  });

  it('re-LISTENs after its connection is killed, and wakes on NOTIFY again', async () => {
    const calls: OutboundMessage[] = [];
    const { schema } = await suite.start({
      destinations: { d: { deliver: async (m) => void calls.push(m) } },
      worker: { pollIntervalMs: 600_000 },
    });
    const listeners = async (): Promise<number[]> =>
      (
        await suite.database().query(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = $1`,
          [`LISTEN "${schema}_outbox"`],
        )
      ).map((r) => r.pid as number);
    await expect.poll(listeners).toHaveLength(1);
    const [first] = await listeners();
    await suite.database().query('SELECT pg_terminate_backend($1)', [first]);
    await expect.poll(async () => (await listeners()).filter((pid) => pid !== first)).toHaveLength(1);
    const { ballast: producer } = await suite.start({ schema, destinations: { d: { deliver: async () => {} } }, worker: { enabled: false } });
    await producer.outbox.enqueue('d', { n: 1 });
    await expect.poll(() => calls.length, { timeout: 5000 }).toBe(1);
  });
});
