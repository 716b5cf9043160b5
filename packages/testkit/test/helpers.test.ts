import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, startReceiver, testBackends, type Receiver, type TestDatabase } from '@ballast/testkit';

describe.each(testBackends())('createTestDatabase (%s)', (backend) => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it('gives an empty, writable database that drop() removes', async () => {
    db = await createTestDatabase({ backend });
    await db.query('CREATE TABLE t (id int)');
    await db.query('INSERT INTO t VALUES ($1)', [7]);
    expect(await db.query('SELECT id FROM t')).toEqual([{ id: 7 }]);
    await db.drop();
    await db.drop(); // idempotent
  });
});

describe('startReceiver', () => {
  let rx: Receiver | undefined;
  afterEach(async () => {
    await rx?.close();
    rx = undefined;
  });

  const post = (url: string, key: string): Promise<Response> =>
    fetch(url, { method: 'POST', headers: { 'idempotency-key': key, 'content-type': 'application/json' }, body: '{"a":1}' });

  it('records idempotency keys and answers scripted failures before healing', async () => {
    rx = await startReceiver();
    rx.failNext(1, { status: 429, retryAfter: 2 });
    const first = await post(rx.url, 'k1');
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('2');
    rx.failAlways({ status: 400 });
    expect((await post(rx.url, 'k1')).status).toBe(400);
    rx.heal();
    expect((await post(rx.url, 'k1')).status).toBe(200);
    await rx.waitForDelivered(1);
    expect([...rx.deliveredKeys()]).toEqual(['k1']);
    expect(rx.received.map((r) => r.status)).toEqual([429, 400, 200]);
    expect(rx.received[2]?.body).toEqual({ a: 1 });
  });
});
