import { createBallast, httpDestination, type Ballast } from '@ballast/core';
import { createTestDatabase, startReceiver, until, type Receiver, type TestDatabase } from '@ballast/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { auditDeliveries, type RedeliveryWindow } from '../outbox/support/ledger.js';
import { ensurePostgresRunning, restartPostgres, waitForPostgres } from './support/cluster.js';

const reason = 'restarts a real PostgreSQL server: set DATABASE_URL (CI does)';
if (!process.env.DATABASE_URL) console.warn(`test/faults/outbox-pg-restart.test.ts skipped: ${reason}`);

describe.skipIf(!process.env.DATABASE_URL)(`outbox through a PostgreSQL restart${!process.env.DATABASE_URL ? ` (skipped without DATABASE_URL: ${reason})` : ''}`, () => {
  let db: TestDatabase | undefined;
  let rx: Receiver | undefined;
  let ballast: Ballast | undefined;

  // Whatever happened, leave a running server for everything after us.
  afterAll(async () => {
    await ensurePostgresRunning();
    await ballast?.stop();
    await rx?.close();
    await db?.drop();
  });

  it('reconnects and delivers everything; only what was in flight when the server went away is redelivered', async () => {
    db = await createTestDatabase({ backend: 'postgres' });
    if (db.backend !== 'postgres') throw new Error('unreachable');
    rx = await startReceiver();
    rx.script(() => ({ status: 200, delayMs: 5 }));
    const worker = { batchSize: 10, concurrency: 4, leaseMs: 2000, pollIntervalMs: 100, backoff: { baseMs: 50, maxMs: 500 } };
    ballast = createBallast({
      // Paced, so the drain outlasts the restart however fast the worker and however slow pg_ctlcluster.
      outbox: { database: db.url, destinations: { sink: { deliver: httpDestination(rx.url), ratePerSecond: 100 } }, worker },
    });
    const keys: string[] = [];
    for (let i = 0; i < 800; i++) keys.push((await ballast.outbox.enqueue('sink', { i })).idempotencyKey);
    // When each message's acknowledgement committed: nothing may reach the downstream after that.
    const receiver = rx;
    const ackedAtSeq = new Map<string, number>();
    ballast.events.on('outbox:delivered', (e) => ackedAtSeq.set(e.idempotencyKey, receiver.received.length));
    await ballast.start();
    await until(() => receiver.delivered().length >= 80, 30_000, '80 deliveries before the restart');

    const bootedBefore = await db.query('SELECT pg_postmaster_start_time()::text AS t');
    const restartedAtSeq = receiver.received.length;
    await restartPostgres();
    expect(await waitForPostgres(30_000)).toBe(true);
    // It really was a new server, and it came back with work still to do.
    expect(await db.query('SELECT pg_postmaster_start_time()::text AS t')).not.toEqual(bootedBefore);
    expect(receiver.deliveredKeys().size).toBeLessThan(keys.length);
    await until(() => receiver.deliveredKeys().size === keys.length, 60_000, 'every message after the restart');
    for (let i = 0; ; i++) {
      const s = (await ballast.outbox.stats()).sink!;
      if (s.pending === 0 && s.inFlight === 0) break;
      if (i > 400) throw new Error(`outbox not drained: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    // Deliveries whose acks died with the connections may be repeated: at the earliest those of
    // the batches in hand when the server went away. A repeat after a committed ack never is.
    const window: RedeliveryWindow = { worker: '', fromSeq: restartedAtSeq - worker.batchSize - worker.concurrency, atSeq: restartedAtSeq };
    const report = auditDeliveries(receiver.received, keys, [window]);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.illegalDuplicates).toEqual([]);
    const afterAck = receiver.received.filter((r) => r.seq > (ackedAtSeq.get(r.idempotencyKey!) ?? Infinity));
    expect(afterAck.map((r) => `${r.idempotencyKey} #${r.seq}`)).toEqual([]);
    expect(ackedAtSeq.size).toBe(keys.length);
    expect((await ballast.outbox.stats()).sink).toMatchObject({ pending: 0, inFlight: 0, dead: 0 });
  });
});
