import { createBallast, httpDestination, type Ballast } from '@ballast/core';
import { createTestDatabase, startReceiver, until, type Receiver, type ReceivedRequest, type TestDatabase } from '@ballast/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditDeliveries, workerOf, type RedeliveryWindow } from './support/ledger.js';
import { assertCoreBuilt, startWorker, type WorkerProcess } from './support/processes.js';

// Real worker processes on real PostgreSQL; PGlite is single-process, so without a server there is nothing to test.
const reason = 'needs a PostgreSQL server shared by several processes: set DATABASE_URL (CI does)';
if (!process.env.DATABASE_URL) console.warn(`test/outbox/worker-kill.test.ts skipped: ${reason}`);

const destination = 'sink';
// A short lease so killed workers' messages come back quickly, yet far longer than any delivery
// here: a lease that ran out under a live worker would be a (legal) duplicate this test cannot tell apart.
const workerSettings = { batchSize: 10, concurrency: 4, leaseMs: 2000, pollIntervalMs: 100, backoff: { baseMs: 50, maxMs: 500 } };

describe.skipIf(!process.env.DATABASE_URL)(`outbox worker processes${!process.env.DATABASE_URL ? ` (skipped without DATABASE_URL: ${reason})` : ''}`, () => {
  let db: TestDatabase & { backend: 'postgres' };
  let rx: Receiver;
  let producer: Ballast;
  const workers: WorkerProcess[] = [];

  beforeAll(() => assertCoreBuilt());

  afterEach(async () => {
    for (const w of workers.splice(0)) await w.kill();
    await producer?.stop();
    await rx?.close();
    await db?.drop();
  });

  async function setUp(): Promise<void> {
    db = (await createTestDatabase({ backend: 'postgres' })) as TestDatabase & { backend: 'postgres' };
    rx = await startReceiver();
    // Enqueue-only: every delivery in these tests is made by a child process.
    producer = createBallast({
      outbox: { database: db.url, destinations: { [destination]: { deliver: httpDestination(rx.url) } }, worker: { enabled: false } },
    });
    await producer.start();
  }

  async function spawn(name: string, leaseMs = workerSettings.leaseMs): Promise<WorkerProcess> {
    const worker = { ...workerSettings, leaseMs };
    const w = await startWorker({ name, database: db.url, receiverUrl: rx.url, destination, worker });
    workers.push(w);
    return w;
  }

  /** Enqueues `count` messages spread over 10 ordering keys, one after another. */
  async function enqueueMany(count: number): Promise<string[]> {
    const keys: string[] = [];
    for (let i = 0; i < count; i++) keys.push((await producer.outbox.enqueue(destination, { i }, { key: `acct-${i % 10}` })).idempotencyKey);
    return keys;
  }

  /**
   * Per-key order across processes and kills: walking a key's requests in arrival order, each is
   * for its next undelivered message, or repeats the one just delivered (a legal redelivery,
   * which the audit checks separately). A later message never goes out before an earlier one.
   */
  function expectPerKeyOrder(): void {
    const byKey = new Map<string, ReceivedRequest[]>();
    for (const r of rx.received) byKey.set(r.key!, [...(byKey.get(r.key!) ?? []), r]);
    expect(byKey.size).toBe(10);
    for (const [key, requests] of byKey) {
      let next = 0;
      const indexes = [...new Set(requests.map((r) => (r.body as { i: number }).i))].sort((a, b) => a - b);
      for (const r of requests) {
        const at = indexes.indexOf((r.body as { i: number }).i);
        expect([next, next - 1], `${key} request #${r.seq}`).toContain(at);
        if (at === next && r.status === 200) next++;
      }
      expect(next, key).toBe(indexes.length);
    }
  }

  async function drained(): Promise<void> {
    for (let i = 0; ; i++) {
      const s = (await producer.outbox.stats())[destination]!;
      if (s.pending === 0 && s.inFlight === 0) return;
      if (i > 600) throw new Error(`outbox not drained: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('delivers every message in per-key order when workers are SIGKILLed mid-batch three times, redelivering only what a killed worker held', async () => {
    await setUp();
    const keys = await enqueueMany(300);
    // Each victim delivers normally for a while, then the receiver holds its next requests:
    // 'hang' = killed while delivering (never answered); a late 200 = the downstream took it
    // but the worker died before it could acknowledge: the one case at-least-once redelivers.
    let victim: string | undefined;
    let held = 0;
    const hung = new Map<string, ReceivedRequest>();
    const acceptedUnacked = new Set<string>();
    const okBy = (name: string): number => rx.received.filter((r) => workerOf(r) === name && r.status === 200).length;
    rx.script((req: ReceivedRequest) => {
      const key = req.idempotencyKey!;
      if (workerOf(req) !== victim || okBy(victim) < 40 || hung.has(key) || acceptedUnacked.has(key)) return undefined;
      if (held++ % 2 === 0) {
        hung.set(key, req);
        return 'hang';
      }
      acceptedUnacked.add(key);
      return { status: 200, delayMs: 300 };
    });

    const kills: RedeliveryWindow[] = [];
    for (const name of ['w1', 'w2', 'w3']) {
      held = 0;
      victim = name;
      const w = await spawn(name);
      await until(() => held >= 2, 20_000, `${name} to be holding requests`);
      await w.kill();
      kills.push({ worker: name, atSeq: rx.received.length });
    }
    victim = undefined;
    const survivor = await spawn('w4');

    await until(() => rx.deliveredKeys().size >= keys.length, 60_000, 'every key delivered');
    await drained();
    await survivor.stop();

    const report = auditDeliveries(rx.received, keys, kills);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.illegalDuplicates).toEqual([]);
    // The late 200s really reached the downstream, and were redelivered since nobody acknowledged them.
    for (const key of acceptedUnacked) expect(report.redelivered).toContain(key);
    expectPerKeyOrder();
    // A request cut off by the kill was reclaimed after the lease and delivered by another worker.
    for (const [key, cut] of hung) {
      const later = rx.delivered().filter((r) => r.idempotencyKey === key && r.seq > cut.seq && workerOf(r) !== workerOf(cut));
      expect(later.length, `${key} after its worker was killed`).toBeGreaterThanOrEqual(1);
    }
    expect(hung.size + acceptedUnacked.size).toBeGreaterThanOrEqual(6);
    const stats = (await producer.outbox.stats())[destination]!;
    expect(stats).toMatchObject({ pending: 0, inFlight: 0, dead: 0, delivered: keys.length });
  });

  it('two worker processes on one outbox deliver every message exactly once, in per-key order', async () => {
    await setUp();
    rx.script(() => ({ status: 200, delayMs: Math.floor(Math.random() * 4) }));
    // Nobody is killed here, so the default lease: every repeat would be a bug.
    await Promise.all([spawn('a', 30_000), spawn('b', 30_000)]);
    const keys = await enqueueMany(300);
    await rx.waitForDelivered(keys.length, 60_000);
    await drained();
    for (const w of workers) await w.stop();

    // No kill and no lease shorter than a delivery: not one request may repeat.
    expect(rx.received).toHaveLength(keys.length);
    const report = auditDeliveries(rx.received, keys);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.redelivered).toEqual([]);
    expectPerKeyOrder();
    // Both processes took part, so SKIP LOCKED claims were really contended.
    const byWorker = new Set(rx.received.map(workerOf));
    expect([...byWorker].sort()).toEqual(['a', 'b']);
  });
});
