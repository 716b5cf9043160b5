import { createBallast, httpDestination, type Ballast } from '@ballast/core';
import { createTestDatabase, startReceiver, until, type Receiver, type TestDatabase } from '@ballast/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { auditDeliveries } from '../outbox/support/ledger.js';
import { ensurePostgresRunning, startPostgres, stopPostgres, waitForPostgres } from './support/cluster.js';

const reason = 'stops a real PostgreSQL server: set DATABASE_URL (CI does)';
if (!process.env.DATABASE_URL) console.warn(`test/faults/outbox-pg-stall.test.ts skipped: ${reason}`);

describe.skipIf(!process.env.DATABASE_URL)(`outbox after PostgreSQL comes back${!process.env.DATABASE_URL ? ` (skipped without DATABASE_URL: ${reason})` : ''}`, () => {
  let db: TestDatabase | undefined;
  let rx: Receiver | undefined;
  let ballast: Ballast | undefined;

  afterAll(async () => {
    await ensurePostgresRunning();
    await ballast?.stop();
    await rx?.close();
    await db?.drop();
  });

  it('writes the outcomes it could not write while the server was down, and goes on without waiting out a lease', async () => {
    db = await createTestDatabase({ backend: 'postgres' });
    if (db.backend !== 'postgres') throw new Error('unreachable');
    rx = await startReceiver();
    // While `slow`, answers take 1.5 s: deliveries are in flight when the server stops and end while it is down.
    let slow = false;
    rx.script(() => ({ status: 200, delayMs: slow ? 1500 : 20 }));
    // A lease far longer than the test may take: anything that waits one out fails the test.
    const leaseMs = 600_000;
    const worker = { batchSize: 10, concurrency: 4, leaseMs, pollIntervalMs: 100, backoff: { baseMs: 50, maxMs: 500 } };
    ballast = createBallast({
      outbox: { database: db.url, destinations: { sink: { deliver: httpDestination(rx.url), ratePerSecond: 100 } }, worker },
    });
    // Keyed: a message whose outcome was never written would hold its key's successors back for the whole lease.
    const keys: string[] = [];
    for (let i = 0; i < 600; i++) keys.push((await ballast.outbox.enqueue('sink', { i }, { key: `k${i % 6}` })).idempotencyKey);
    const receiver = rx;
    await ballast.start();
    await until(() => receiver.delivered().length >= 60, 30_000, '60 deliveries before the stop');

    slow = true;
    const slowFrom = receiver.received.length;
    await until(() => receiver.received.length > slowFrom, 10_000, 'a slow delivery in flight');
    await stopPostgres();
    slow = false;
    // The slow deliveries end while the server is away: their outcomes cannot be written now.
    const inFlight = receiver.received.slice(slowFrom);
    await until(() => inFlight.every((r) => r.status === 200), 10_000, 'the slow deliveries to end');
    await startPostgres();
    expect(await waitForPostgres(30_000)).toBe(true);
    const backAt = Date.now();
    const backAtSeq = receiver.received.length;
    expect(receiver.deliveredKeys().size).toBeLessThan(keys.length);
    // Messages claimed after the restart: more than the worker could hold from before it (batch + slots).
    const heldBefore = worker.batchSize + worker.concurrency;
    await until(() => receiver.received.length > backAtSeq + heldBefore, 60_000, 'deliveries claimed after the server came back');
    console.log(`outbox-pg-stall: delivering newly claimed messages ${Date.now() - backAt} ms after PostgreSQL answered again`);

    // 600 messages at 100/s: about 6 s of work. Waiting out a lease would take ten minutes.
    await until(() => receiver.deliveredKeys().size === keys.length, 60_000, 'every message after the server came back');
    const report = auditDeliveries(receiver.received, keys);
    expect(report.missing).toEqual([]);
    // The outcomes of the deliveries made while it was down were kept and written: none was delivered again.
    expect(report.illegalDuplicates).toEqual([]);
    for (let i = 0; ; i++) {
      const s = (await ballast.outbox.stats()).sink!;
      if (s.pending === 0 && s.inFlight === 0) break;
      if (i > 400) throw new Error(`outbox not drained: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await ballast.outbox.stats()).sink).toMatchObject({ pending: 0, inFlight: 0, dead: 0 });
  });
});
