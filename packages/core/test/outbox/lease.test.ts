import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testBackends, uniqueName, type TestDatabase } from '@ballast/testkit';
import { silentLogger } from '../../src/util/logger.js';
import { openDatabase, type Database } from '../../src/outbox/store/index.js';
import {
  buryMessage,
  claimMessages,
  completeMessage,
  insertMessage,
  migrate,
  pruneKeyLeases,
  releaseMessage,
  rescheduleMessage,
} from '../../src/outbox/sql/index.js';

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
});
