import { performance } from 'node:perf_hooks';
import { createBallast, httpDestination, type Ballast } from '@ballast/core';
import { createTestDatabase, startReceiver, testBackends, uniqueName, until, type Receiver, type Script, type TestDatabase } from '@ballast/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attemptsByKey, auditDeliveries } from './support/ledger.js';
import { beginTransaction, databaseOption, seededRandom } from './support/backends.js';

const destination = 'sink';
const backoff = { baseMs: 20, maxMs: 200 };

// Every scenario here that needs no process kill or server restart, on PGlite and (with DATABASE_URL) PostgreSQL.
describe.each(testBackends())('outbox delivery faults on %s', (backend) => {
  let db: TestDatabase | undefined;
  let rx: Receiver | undefined;
  let ballast: Ballast | undefined;
  /** When each request arrived, by receiver `seq`, on this process's clock. */
  let arrivedAt: Map<number, number>;

  // One database per backend (PGlite takes a while to boot); each test gets its own schema in it.
  beforeAll(async () => {
    db = await createTestDatabase({ backend });
  });
  afterAll(() => db?.drop());

  afterEach(async () => {
    await ballast?.stop();
    await rx?.close();
    ballast = rx = undefined;
  });

  /** A started instance delivering to a fresh receiver; `answer` scripts the receiver (undefined = 200). */
  async function setUp(answer: Script = () => undefined, breaker = { resetTimeoutMs: 200, volumeThreshold: 5 }, concurrency = 4) {
    rx = await startReceiver();
    arrivedAt = new Map();
    rx.script((req) => {
      arrivedAt.set(req.seq, performance.now());
      return answer(req);
    });
    ballast = createBallast({
      outbox: {
        database: databaseOption(db!),
        schema: uniqueName('t'),
        destinations: {
          [destination]: { deliver: httpDestination(rx.url), breaker },
        },
        worker: { batchSize: 10, concurrency, leaseMs: 10_000, pollIntervalMs: 50, backoff },
      },
    });
    await ballast.start();
    return { ballast, rx };
  }

  async function statsOf() {
    return (await ballast!.outbox.stats())[destination]!;
  }

  async function settled(): Promise<void> {
    for (let i = 0; ; i++) {
      const s = await statsOf();
      if (s.pending === 0 && s.inFlight === 0) return;
      if (i > 400) throw new Error(`outbox not settled: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('retries through a 503 outage, delivers every message once, numbering attempts and backing off between them', async () => {
    let outage = true;
    // The breaker stays out of the way here, so the gaps measured are the backoff's alone.
    const { ballast, rx } = await setUp(() => (outage ? { status: 503 } : undefined), { resetTimeoutMs: 200, volumeThreshold: 1000 });
    const keys: string[] = [];
    for (let i = 0; i < 10; i++) keys.push((await ballast.outbox.enqueue(destination, { i })).idempotencyKey);
    await until(() => rx.received.length >= 30, 20_000, '30 failed attempts');
    outage = false;
    await until(() => rx.deliveredKeys().size === keys.length, 20_000, 'every message after the outage');
    await settled();

    const report = auditDeliveries(rx.received, keys);
    expect(report.missing).toEqual([]);
    expect(report.redelivered).toEqual([]);
    for (const [key, attempts] of attemptsByKey(rx.received)) {
      // Ballast-Attempt counts up from 1 with no gap; only the last one succeeded.
      expect(attempts.map((a) => a.attempt), key).toEqual(attempts.map((_, i) => i + 1));
      expect(attempts.map((a) => a.status < 300), key).toEqual(attempts.map((_, i) => i === attempts.length - 1));
      expect(attempts.length, key).toBeGreaterThanOrEqual(2);
      // Spread out: never sooner than half the nominal exponential delay (the jitter's floor).
      for (let i = 1; i < attempts.length; i++) {
        const gap = arrivedAt.get(attempts[i]!.seq)! - arrivedAt.get(attempts[i - 1]!.seq)!;
        const floor = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (i - 1)) / 2;
        expect(gap, `${key} attempt ${i + 1}`).toBeGreaterThanOrEqual(floor - 2);
      }
    }
    expect(await statsOf()).toMatchObject({ pending: 0, inFlight: 0, dead: 0, delivered: keys.length });
  });

  it('stops calling a failing destination while its breaker is open, then sends one trial at a time until it recovers', async () => {
    let outage = true;
    // One delivery at a time, so no request is already on the wire when the breaker opens.
    const { ballast, rx } = await setUp(() => (outage ? { status: 503 } : undefined), { resetTimeoutMs: 150, volumeThreshold: 3 }, 1);
    const transitions: { state: string; seq: number }[] = [];
    ballast.events.on('outbox:breaker', ({ state }) => transitions.push({ state, seq: rx.received.length }));
    const keys: string[] = [];
    for (let i = 0; i < 5; i++) keys.push((await ballast.outbox.enqueue(destination, { i })).idempotencyKey);
    await until(() => transitions.filter((t) => t.state === 'open').length >= 3, 20_000, 'the breaker to open three times');
    outage = false;
    await until(() => rx.deliveredKeys().size === keys.length, 20_000, 'every message after recovery');
    await settled();

    expect(transitions[0]).toEqual({ state: 'open', seq: 3 });
    for (let i = 1; i < transitions.length; i++) {
      const [before, after] = [transitions[i - 1]!, transitions[i]!];
      // Open: not one request. Half-open: exactly the one trial that decides the next state.
      if (before.state === 'open') expect(after, `transition ${i}`).toMatchObject({ state: 'halfOpen', seq: before.seq });
      if (before.state === 'halfOpen') expect(after.seq - before.seq, `transition ${i}`).toBe(1);
    }
    expect(transitions.at(-1)?.state).toBe('closed');
    expect(auditDeliveries(rx.received, keys).missing).toEqual([]);
  });

  it('honours Retry-After on 429: the retry waits the seconds it asked for', async () => {
    const { ballast, rx } = await setUp((req) => (req.seq === 1 ? { status: 429, retryAfter: 1 } : undefined));
    const { idempotencyKey } = await ballast.outbox.enqueue(destination, { hello: 'world' });
    await rx.waitForDelivered(1, 10_000);
    await settled();

    const attempts = attemptsByKey(rx.received).get(idempotencyKey)!;
    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([[1, 429], [2, 200]]);
    // The backoff alone would retry after ~20 ms; Retry-After: 1 means no sooner than a second
    // (less a little: the retry time is set on the database clock, the gap measured on ours).
    expect(arrivedAt.get(attempts[1]!.seq)! - arrivedAt.get(attempts[0]!.seq)!).toBeGreaterThanOrEqual(950);
  });

  it('moves a message answered 400 to dead at once, releases its key, and delivers it when redriven', async () => {
    const { ballast, rx } = await setUp((req) => ((req.body as { n?: number }).n === 1 && req.seq === 1 ? { status: 400 } : undefined));
    const dead: string[] = [];
    ballast.events.on('outbox:dead', (e) => dead.push(e.idempotencyKey));
    const first = await ballast.outbox.enqueue(destination, { n: 1 }, { key: 'account-7' });
    const second = await ballast.outbox.enqueue(destination, { n: 2 }, { key: 'account-7' });
    await until(() => rx.deliveredKeys().has(second.idempotencyKey), 10_000, 'the next message of the key');
    await settled();

    expect(dead).toEqual([first.idempotencyKey]);
    expect(await statsOf()).toMatchObject({ pending: 0, dead: 1 });
    const listed = await ballast.outbox.dead();
    expect(listed.map((m) => [m.id, m.idempotencyKey, m.attempts])).toEqual([[first.id, first.idempotencyKey, 1]]);
    expect(rx.received.filter((r) => r.idempotencyKey === first.idempotencyKey)).toHaveLength(1);

    await ballast.outbox.retryDead(first.id);
    await until(() => rx.deliveredKeys().has(first.idempotencyKey), 10_000, 'the redriven message');
    await settled();
    expect(rx.received.map((r) => [r.idempotencyKey, r.status])).toEqual([
      [first.idempotencyKey, 400],
      [second.idempotencyKey, 200],
      [first.idempotencyKey, 200],
    ]);
    expect(await statsOf()).toMatchObject({ pending: 0, inFlight: 0, dead: 0, delivered: 2 });
  });

  it('never delivers a message enqueued in a transaction that rolled back; delivers the committed one', async () => {
    const { ballast, rx } = await setUp();
    const rolledBack = await beginTransaction(db!);
    await ballast.outbox.enqueue(destination, { n: 'rolled back' }, { client: rolledBack.client, idempotencyKey: 'txn-rolled-back' });
    await rolledBack.finish(false);
    const committed = await beginTransaction(db!);
    await ballast.outbox.enqueue(destination, { n: 'committed' }, { client: committed.client, idempotencyKey: 'txn-committed' });
    await committed.finish(true);
    // A message enqueued after both: once it is delivered, the worker has passed the rolled-back one's place.
    await ballast.outbox.enqueue(destination, { n: 'after' }, { idempotencyKey: 'after' });
    await until(() => rx.deliveredKeys().has('after') && rx.deliveredKeys().has('txn-committed'), 10_000, 'the committed messages');
    await settled();

    expect(rx.received.map((r) => r.idempotencyKey).sort()).toEqual(['after', 'txn-committed']);
    expect(await statsOf()).toMatchObject({ pending: 0, inFlight: 0, dead: 0, delivered: 2 });
  });

  it('delivers the messages of each key in enqueue order while deliveries fail at random', async () => {
    const random = seededRandom(4242);
    const { ballast, rx } = await setUp(() => {
      const roll = random();
      if (roll < 0.3) return { status: 503 };
      if (roll < 0.4) return 'reset';
      return undefined;
    });
    const perKey = 12;
    const accounts = ['a', 'b', 'c'];
    const indexOf = new Map<string, { account: string; n: number }>();
    for (let n = 0; n < perKey; n++) {
      for (const account of accounts) {
        const { idempotencyKey } = await ballast.outbox.enqueue(destination, { account, n }, { key: account });
        indexOf.set(idempotencyKey, { account, n });
      }
    }
    await until(() => rx.deliveredKeys().size === indexOf.size, 30_000, 'every message');
    await settled();

    const report = auditDeliveries(rx.received, indexOf.keys());
    expect(report.missing).toEqual([]);
    expect(report.redelivered).toEqual([]);
    expect(rx.received.some((r) => r.status !== 200), 'some deliveries failed').toBe(true);
    for (const account of accounts) {
      // Walking the key's requests in arrival order: each is for the next undelivered message,
      // so no message was attempted before every earlier one had been delivered.
      let next = 0;
      for (const r of rx.received.filter((q) => q.key === account)) {
        expect(indexOf.get(r.idempotencyKey!)?.n, `${account} request #${r.seq}`).toBe(next);
        if (r.status === 200) next++;
      }
      expect(next).toBe(perKey);
    }
  });
});
