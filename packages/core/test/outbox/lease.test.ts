import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testBackends, uniqueName, type TestDatabase } from '@ballast/testkit';
import { silentLogger } from '../../src/util/logger.js';
import { openDatabase, type Database } from '../../src/outbox/store/index.js';
import {
  buryMessage,
  claimMessages,
  completeMessage,
  completeMessages,
  insertMessage,
  migrate,
  pruneKeyLeases,
  redriveDead,
  releaseMessage,
  rescheduleMessage,
  setPaused,
  type ClaimedRow,
} from '../../src/outbox/sql/index.js';
import { pruneDeliveredKeys } from '../../src/outbox/sql/prune.js';

describe.each(testBackends())('leases on the database clock (%s)', (backend) => {
  let test: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    test = await createTestDatabase({ backend });
    db = await openDatabase(test.database, '', silentLogger);
  });
  afterAll(async () => {
    await db.close();
    await test.drop();
  });

  const fresh = async (): Promise<string> => {
    const schema = uniqueName('lease');
    await migrate(db, schema);
    return schema;
  };
  /** The ack of a row worker `w` claimed. */
  const ackOf = (row: ClaimedRow) => ({ id: row.id, workerId: 'w', attempt: row.attempts, rowId: row.row_id, leaseRow: row.lease_row });
  const put = (schema: string, key?: string) =>
    insertMessage(db, schema, { destination: 'd', key, idempotencyKey: uniqueName('k'), idempotencySupplied: true, json: '{}', delayMs: 0, maxPending: undefined });

  it('a worker whose lease expired and was re-claimed can neither ack, retry, bury nor release', async () => {
    const schema = await fresh();
    await put(schema);
    const [a] = await claimMessages(db, schema, { destination: 'd', limit: 10, workerId: 'a', leaseMs: 1 });
    expect(a?.attempts).toBe(1);
    // While leased, nobody else gets it; after the 1 ms lease (database clock) it is ready again.
    await expect.poll(async () => (await claimMessages(db, schema, { destination: 'd', limit: 10, workerId: 'b', leaseMs: 60_000 })).length).toBe(1);
    const stale = { id: a?.id as string, workerId: 'a', attempt: 1 };
    expect(await completeMessage(db, schema, stale)).toBe(false);
    expect(await rescheduleMessage(db, schema, stale, 10, 'x')).toBe(false);
    expect(await buryMessage(db, schema, stale, 'x')).toBe(false);
    expect(await releaseMessage(db, schema, stale)).toBe(false);
    expect(await claimMessages(db, schema, { destination: 'd', limit: 10, workerId: 'c', leaseMs: 60_000 })).toEqual([]);
    expect(await completeMessage(db, schema, { id: a?.id as string, workerId: 'b', attempt: 2 })).toBe(true);
  });

  it('claims only the head of each key, and a dead head releases its key', async () => {
    const schema = await fresh();
    const first = await put(schema, 'k');
    await put(schema, 'k');
    await put(schema, 'other');
    const claimed = await claimMessages(db, schema, { destination: 'd', limit: 10, workerId: 'w', leaseMs: 60_000 });
    expect(claimed.map((r) => r.key).sort()).toEqual(['k', 'other']);
    expect(claimed.find((r) => r.key === 'k')?.id).toBe('stored' in first ? first.stored : undefined);
    expect(await claimMessages(db, schema, { destination: 'd', limit: 10, workerId: 'w', leaseMs: 60_000 })).toEqual([]);
    const head = claimed.find((r) => r.key === 'k');
    await buryMessage(db, schema, { id: head?.id as string, workerId: 'w', attempt: 1 }, 'dead');
    expect((await claimMessages(db, schema, { destination: 'd', limit: 10, workerId: 'w', leaseMs: 60_000 })).map((r) => r.key)).toEqual(['k']);
  });

  it('deletes the lease rows of idle keys, never one in flight, and a pruned key is claimed again', async () => {
    const schema = await fresh();
    await put(schema, 'idle');
    await put(schema, 'busy');
    const claimed = await claimMessages(db, schema, { destination: 'd', limit: 10, workerId: 'w', leaseMs: 60_000 });
    const idle = claimed.find((r) => r.key === 'idle');
    expect(await completeMessage(db, schema, { id: idle?.id as string, workerId: 'w', attempt: 1 })).toBe(true);
    const keys = async () => (await db.query<{ key: string }>(`SELECT key FROM ${schema}.outbox_keys ORDER BY key`)).map((r) => r.key);
    expect(await keys()).toEqual(['busy', 'idle']);
    expect(await pruneKeyLeases(db, schema, 60_000)).toBe(0); // freed just now
    await expect.poll(() => pruneKeyLeases(db, schema, 1)).toBe(1);
    expect(await keys()).toEqual(['busy']);
    await put(schema, 'idle');
    expect((await claimMessages(db, schema, { destination: 'd', limit: 10, workerId: 'w', leaseMs: 60_000 })).map((r) => r.key)).toEqual(['idle']);
  });

  it("a keyed ack that advances leases the key's lowest pending id to the same worker, even one below the acked id", async () => {
    const schema = await fresh();
    for (let i = 0; i < 3; i++) await put(schema, 'k');
    const claim = (workerId: string) => claimMessages(db, schema, { destination: 'd', limit: 10, workerId, leaseMs: 60_000 });
    const ack = (row: ClaimedRow) =>
      completeMessages(db, schema, 'w', [ackOf(row)], { flags: [true], leaseMs: 60_000 });
    const [first] = await claim('w');
    // The first message goes dead, the second is claimed, then the first is redriven (attempts from 0): now the key's head, below the one in flight.
    await buryMessage(db, schema, { id: first?.id as string, workerId: 'w', attempt: 1 }, 'no');
    const [second] = await claim('w');
    await redriveDead(db, schema, first?.id as string);
    const acked = await ack(second as ClaimedRow);
    expect(acked.deleted).toEqual(new Set([second?.id]));
    expect(acked.advanced).toEqual([expect.objectContaining({ id: first?.id, destination: 'd', key: 'k', attempts: 1, lease_row: expect.any(String) })]);
    // The key stays in flight: nobody else gets its last message.
    expect(await claim('other')).toEqual([]);
    const next = await ack(acked.advanced[0] as ClaimedRow);
    expect(next.advanced.map((r) => r.attempts)).toEqual([1]);
    // Nothing left to advance to: the key is freed.
    expect(await ack(next.advanced[0] as ClaimedRow)).toEqual({ deleted: new Set([next.advanced[0]?.id]), advanced: [] });
    await put(schema, 'k');
    expect(await claim('other')).toHaveLength(1);
  });

  it("an advancing ack keeps the key's lease at least as long as its next message's, rewriting the key row only when it would not be", async () => {
    const schema = await fresh();
    for (let i = 0; i < 4; i++) await put(schema, 'k');
    const ack = (row: ClaimedRow, leaseMs: number) => completeMessages(db, schema, 'w', [ackOf(row)], { flags: [true], leaseMs });
    /** The key row's version, and whether its lease lasts at least as long as message `id`'s. */
    const keyLease = async (id: string) =>
      (
        await db.query<{ version: string; covers: boolean }>(
          `SELECT k.xmin::text || k.ctid::text AS version, k.leased_until >= o.run_at AS covers
           FROM ${schema}.outbox_keys k JOIN ${schema}.outbox o ON o.key = k.key WHERE o.id = $1`,
          [id],
        )
      )[0];
    const [first] = await claimMessages(db, schema, { destination: 'd', limit: 10, workerId: 'w', leaseMs: 60_000 });
    // The claim's key lease ends with its message's: the first advance must renew it.
    const second = (await ack(first as ClaimedRow, 60_000)).advanced[0] as ClaimedRow;
    const renewed = await keyLease(second.id);
    expect(renewed?.covers).toBe(true);
    // Renewed with room to spare: the next advance leases its message without rewriting the key row.
    const third = (await ack(second, 60_000)).advanced[0] as ClaimedRow;
    expect(await keyLease(third.id)).toEqual({ version: renewed?.version, covers: true });
    // A longer lease than the key has left: renewed again.
    const fourth = (await ack(third, 600_000)).advanced[0] as ClaimedRow;
    const longer = await keyLease(fourth.id);
    expect(longer?.covers).toBe(true);
    expect(longer?.version).not.toBe(renewed?.version);
    expect(await claimMessages(db, schema, { destination: 'd', limit: 10, workerId: 'other', leaseMs: 60_000 })).toEqual([]);
  });

  it('a keyed ack does not advance into a paused destination or to a message not ready yet, and frees the key', async () => {
    const schema = await fresh();
    const putKeyed = (delayMs: number) =>
      insertMessage(db, schema, { destination: 'd', key: 'k', idempotencyKey: uniqueName('k'), idempotencySupplied: true, json: '{}', delayMs, maxPending: undefined });
    for (const delayMs of [0, 0, 60_000]) await putKeyed(delayMs);
    const claim = () => claimMessages(db, schema, { destination: 'd', limit: 10, workerId: 'w', leaseMs: 60_000 });
    const ack = (row: ClaimedRow) =>
      completeMessages(db, schema, 'w', [ackOf(row)], { flags: [true], leaseMs: 60_000 });
    const keyHolder = async () => (await db.query<{ locked_by: string | null }>(`SELECT locked_by FROM ${schema}.outbox_keys`))[0]?.locked_by;
    const [first] = await claim();
    await setPaused(db, schema, 'd', true);
    expect((await ack(first as ClaimedRow)).advanced).toEqual([]);
    expect(await keyHolder()).toBeNull();
    await setPaused(db, schema, 'd', false);
    const [second] = await claim();
    expect(await keyHolder()).toBe('w');
    // The key's last message was enqueued with a 60 s delay: not ready, so not leased.
    expect((await ack(second as ClaimedRow)).advanced).toEqual([]);
    expect(await keyHolder()).toBeNull();
  });

  it('an ack records supplied idempotency keys in its own statement, keeping the commit rule: unkeyed asynchronous, keyed durable', async () => {
    const schema = await fresh();
    const enqueue = (key: string | undefined, idempotencyKey: string, idempotencySupplied: boolean) =>
      insertMessage(db, schema, { destination: 'd', key, idempotencyKey, idempotencySupplied, json: '{}', delayMs: 0, maxPending: undefined });
    await enqueue(undefined, 'supplied', true);
    await enqueue(undefined, 'generated', false);
    await enqueue('k', 'keyed', true);
    const claimed = await claimMessages(db, schema, { destination: 'd', limit: 10, workerId: 'w', leaseMs: 60_000 });
    expect(claimed).toHaveLength(3);
    // The ack in a transaction of its own, then read the commit setting its statement left for that commit.
    const ack = (rows: typeof claimed) =>
      db.transaction(async (tx) => {
        const setting = async () => (await tx.query<{ value: string }>(`SELECT current_setting('synchronous_commit') AS value`))[0]?.value;
        const before = await setting();
        const { deleted: done } = await completeMessages(tx, schema, 'w', rows.map(ackOf));
        return { done: done.size, before, after: await setting() };
      });
    expect(await ack(claimed.filter((r) => r.key === null))).toMatchObject({ done: 2, after: 'off' });
    const keyed = await ack(claimed.filter((r) => r.key !== null));
    expect(keyed).toEqual({ done: 1, before: keyed.before, after: keyed.before });
    const recorded = await db.query<{ idempotency_key: string; id: string }>(`SELECT idempotency_key, id::text AS id FROM ${schema}.outbox_delivered ORDER BY 1`);
    const idOf = (k: string) => claimed.find((r) => r.idempotency_key === k)?.id;
    expect(recorded).toEqual([
      { idempotency_key: 'keyed', id: idOf('keyed') },
      { idempotency_key: 'supplied', id: idOf('supplied') },
    ]);
    // Re-enqueued, a recorded key answers the delivered id; once pruned it is a new message.
    expect(await enqueue(undefined, 'supplied', true)).toEqual({ duplicate: idOf('supplied') });
    expect(await pruneDeliveredKeys(db, schema, 60_000, 10)).toBe(0);
    await expect.poll(() => pruneDeliveredKeys(db, schema, 1, 1)).toBe(1);
    expect(await pruneDeliveredKeys(db, schema, 1, 10)).toBe(1);
    expect(await enqueue(undefined, 'supplied', true)).toHaveProperty('stored');
  });
});
