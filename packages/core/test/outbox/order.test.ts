import { describe, expect, it } from 'vitest';
import { PermanentDeliveryError, type OutboundMessage } from '@ballast/core';
import { Latch, until, uniqueName } from '@ballast/testkit';
import { silentLogger } from '../../src/util/logger.js';
import { openDatabase } from '../../src/outbox/store/index.js';
import { claimMessages } from '../../src/outbox/sql/index.js';
import { outboxSuite } from './setup.js';

const reason = 'needs a second connection while a caller transaction is open: set DATABASE_URL';

/** A deliver function that records, per key, how many deliveries of it run at once and in which order they start. */
function keyWatcher(gate: (m: OutboundMessage) => Promise<void>) {
  const running = new Map<string, number>();
  const started: string[] = [];
  let maxPerKey = 0;
  const deliver = async (m: OutboundMessage): Promise<void> => {
    const key = m.key ?? '';
    const now = (running.get(key) ?? 0) + 1;
    running.set(key, now);
    maxPerKey = Math.max(maxPerKey, now);
    started.push(`${key}:${(m.payload as { n: number }).n}`);
    try {
      await gate(m);
    } finally {
      running.set(key, (running.get(key) ?? 1) - 1);
    }
  };
  return { deliver, started, maxPerKey: () => maxPerKey };
}

describe.skipIf(!process.env.DATABASE_URL)(`outbox order per key on real PostgreSQL${process.env.DATABASE_URL ? '' : ` (skipped: ${reason})`}`, () => {
  const suite = outboxSuite('postgres');
  const fast = { pollIntervalMs: 20, concurrency: 8, batchSize: 50 };

  /** Another worker's claim, straight in SQL: what the head predicate lets through right now. */
  async function claimAsAnotherWorker(schema: string, destination: string) {
    const db = await openDatabase(suite.database().database, '', silentLogger);
    try {
      return await claimMessages(db, schema, { destination, limit: 10, workerId: uniqueName('other'), leaseMs: 60_000 });
    } finally {
      await db.close();
    }
  }

  it('a smaller id whose transaction commits after a larger one was claimed waits until that one is done', async () => {
    const gate = new Latch();
    const watch = keyWatcher(() => gate.wait());
    const { ballast, schema } = await suite.start({ destinations: { d: { deliver: watch.deliver } }, worker: fast });
    let releaseTx!: () => void;
    const txDone = suite.inTransaction(async (client) => {
      await ballast.outbox.enqueue('d', { n: 1 }, { key: 'k', client });
      await new Promise<void>((resolve) => (releaseTx = resolve));
    });
    await until(() => releaseTx !== undefined, 5000, 'the caller transaction to enqueue');
    await ballast.outbox.enqueue('d', { n: 2 }, { key: 'k' });
    await gate.arrivedAtLeast(1); // n=2 is in flight (n=1 not committed yet)
    releaseTx();
    await txDone;
    // n=1 is now the key's head, below a message in flight: nobody may take it.
    expect(await claimAsAnotherWorker(schema, 'd')).toEqual([]);
    gate.open();
    await until(() => watch.started.length === 2, 10_000, 'both delivered');
    expect(watch.started).toEqual(['k:2', 'k:1']);
    expect(watch.maxPerKey()).toBe(1);
  });

  it('a redriven dead message waits while a later message of its key is in flight, then goes before the rest', async () => {
    const gate = new Latch();
    let failFirst = true;
    const watch = keyWatcher(async (m) => {
      if ((m.payload as { n: number }).n === 1 && failFirst) {
        failFirst = false;
        throw new PermanentDeliveryError('rejected once');
      }
      await gate.wait();
    });
    const { ballast, schema } = await suite.start({ destinations: { d: { deliver: watch.deliver } }, worker: fast });
    const first = await ballast.outbox.enqueue('d', { n: 1 }, { key: 'k' });
    for (const n of [2, 3]) await ballast.outbox.enqueue('d', { n }, { key: 'k' });
    await gate.arrivedAtLeast(1); // n=1 dead, n=2 in flight
    expect((await ballast.outbox.dead('d')).map((m) => m.id)).toEqual([first.id]);
    await ballast.outbox.retryDead(first.id);
    expect(await claimAsAnotherWorker(schema, 'd')).toEqual([]);
    gate.open();
    await until(() => watch.started.length === 4, 10_000, 'all delivered');
    // Enqueue order among what was left: the redriven n=1 before n=3.
    expect(watch.started).toEqual(['k:1', 'k:2', 'k:1', 'k:3']);
    expect(watch.maxPerKey()).toBe(1);
  });

  it('two instances draining many keys keep each key in enqueue order, one in flight at a time', async () => {
    const watch = keyWatcher(() => new Promise((r) => setTimeout(r, Math.random() < 0.2 ? 2 : 0)));
    const schema = uniqueName('ord');
    const options = { schema, destinations: { d: { deliver: watch.deliver } }, worker: fast };
    const { ballast } = await suite.start(options);
    await suite.start(options);
    const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
    const perKey = 25;
    for (let n = 0; n < perKey; n++) for (const key of keys) await ballast.outbox.enqueue('d', { n }, { key });
    await until(() => watch.started.length === keys.length * perKey, 60_000, 'all delivered');
    for (const key of keys) {
      const order = watch.started.filter((s) => s.startsWith(`${key}:`)).map((s) => Number(s.split(':')[1]));
      expect(order, key).toEqual(Array.from({ length: perKey }, (_, n) => n));
    }
    expect(watch.maxPerKey()).toBe(1);
  });

  /** A pool that counts the claims that leased something (statements with the key walk that returned rows). */
  async function countingPool() {
    const { default: pg } = await import('pg');
    const db = suite.database();
    const pool = new pg.Pool({ connectionString: db.backend === 'postgres' ? db.url : '', max: 4 });
    const counts = { claimsWithRows: 0 };
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => Promise<{ rows: unknown[] }>;
      (client as unknown as { query: unknown }).query = async (...args: unknown[]) => {
        const config = args[0] as string | { text?: string };
        const result = await query(...args);
        if ((typeof config === 'string' ? config : config.text)?.includes('WITH RECURSIVE') && result.rows.length > 0) counts.claimsWithRows++;
        return result;
      };
    });
    return { pool, counts };
  }

  it("the ack of a key's message leases its next one: a key's backlog is delivered in order after a single claim", async () => {
    const gate = new Latch();
    const watch = keyWatcher((m) => ((m.payload as { n: number }).n === 0 ? gate.wait() : Promise.resolve()));
    const { pool, counts } = await countingPool();
    try {
      const { ballast } = await suite.start({ database: pool, destinations: { d: { deliver: watch.deliver } }, worker: fast });
      for (let n = 0; n < 10; n++) await ballast.outbox.enqueue('d', { n }, { key: 'k' });
      await gate.arrivedAtLeast(1); // n=0 in flight, the other nine waiting behind it
      gate.open();
      await until(() => watch.started.length === 10, 10_000, 'all delivered');
      expect(watch.started).toEqual(Array.from({ length: 10 }, (_, n) => `k:${n}`));
      expect(counts.claimsWithRows).toBe(1);
      await ballast.stop();
    } finally {
      await pool.end();
    }
  });

  it('stop() in the middle of a keyed drain leaves no message leased', async () => {
    const watch = keyWatcher(() => new Promise((r) => setTimeout(r, 1)));
    const { ballast, schema } = await suite.start({ destinations: { d: { deliver: watch.deliver } }, worker: fast });
    for (let n = 0; n < 40; n++) for (const key of ['a', 'b', 'c', 'd']) await ballast.outbox.enqueue('d', { n }, { key });
    await until(() => watch.started.length >= 20, 10_000, 'the drain to be under way');
    await ballast.stop();
    const leased = await suite
      .database()
      .query(`SELECT id FROM ${schema}.outbox WHERE locked_by IS NOT NULL AND run_at > now() UNION ALL SELECT NULL FROM ${schema}.outbox_keys WHERE locked_by IS NOT NULL`);
    expect(leased).toEqual([]);
  });
});
