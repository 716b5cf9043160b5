import { describe, expect, it } from 'vitest';
import { createBallast } from '@ballast/core';
import { testBackends, uniqueName, until } from '@ballast/testkit';
import { outboxSuite } from './setup.js';

describe.each(testBackends())('outbox start and stop (%s)', (backend) => {
  const suite = outboxSuite(backend);

  it('stop() called while start() is under way leaves no worker running, and a later start() delivers', async () => {
    const schema = uniqueName('life');
    let delivered = 0;
    const worker = { pollIntervalMs: 20 };
    const ballast = createBallast({
      outbox: { database: suite.database().database, schema, destinations: { d: { deliver: async () => void delivered++ } }, worker },
    });
    const starting = ballast.start();
    await ballast.stop();
    await starting;
    // Another instance (no worker) stores a message; nothing in `ballast` may pick it up.
    const { ballast: producer } = await suite.start({ schema, destinations: { d: { deliver: async () => {} } }, worker: { enabled: false } });
    await producer.outbox.enqueue('d', { n: 1 });
    await new Promise((r) => setTimeout(r, 300)); // fifteen polling periods of a worker, had one survived
    expect(delivered).toBe(0);
    expect((await producer.outbox.stats()).d).toMatchObject({ pending: 1, inFlight: 0 });
    await ballast.start();
    await until(() => delivered === 1, 10_000, 'the delivery after a fresh start');
    await ballast.stop();
  });
});
