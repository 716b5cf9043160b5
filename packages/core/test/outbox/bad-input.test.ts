import { describe, expect, it } from 'vitest';
import { isInvalidPayloadError, isOutboxFullError, isOutboxUnavailableError } from '@ballast/core';
import { testBackends, until } from '@ballast/testkit';
import { outboxSuite } from './setup.js';

const never = async (): Promise<void> => {
  throw new Error('not delivering in this test');
};

/** Payloads PostgreSQL's jsonb refuses: lone surrogates anywhere (values, keys, nested) and NUL. */
const refused: Array<[string, unknown]> = [
  ['a lone high surrogate in a value', { name: '\ud800' }],
  ['a lone low surrogate in a value', { name: 'x\udc00y' }],
  ['a lone surrogate in an object key', { ['k\udbff']: 1 }],
  ['a lone surrogate deep in an array', { a: [1, { b: ['ok', '\udfff'] }] }],
  ['a high surrogate at the end of a string', 'abc\ud83d'],
  ['a NUL in a key', { ['a\u0000']: 1 }],
];

describe.each(testBackends())('outbox bad input is never an outage (%s)', (backend) => {
  const suite = outboxSuite(backend);
  const idle = { destinations: { billing: { deliver: never, maxPending: 1 } }, worker: { enabled: false } };

  it.each(refused)('refuses %s with InvalidPayloadError before any query, alone or in a transaction, and through desync', async (_, payload) => {
    const { ballast, schema } = await suite.start(idle);
    const direct = await ballast.outbox.enqueue('billing', payload).catch((e: unknown) => e);
    expect(isInvalidPayloadError(direct)).toBe(true);
    expect(isOutboxUnavailableError(direct)).toBe(false);
    expect(direct).toMatchObject({ field: 'payload' });
    // Inside the caller's transaction: our error, and the transaction is still usable (no 22P02 aborted it).
    await suite.inTransaction(async (client) => {
      const error = await ballast.outbox.enqueue('billing', payload, { client }).catch((e: unknown) => e);
      expect(isInvalidPayloadError(error)).toBe(true);
      expect(await client.query('SELECT 1 AS one')).toMatchObject({ rows: [{ one: 1 }] });
    });
    for (const mode of ['buffer-first', 'direct-first'] as const) {
      const error = await ballast.outbox.desync('billing', payload, { mode }).catch((e: unknown) => e);
      expect(isInvalidPayloadError(error), mode).toBe(true);
    }
    expect(await suite.rows(schema)).toEqual([]);
  });

  it('stores well-formed surrogate pairs (emoji) and escaped look-alikes', async () => {
    const { ballast, schema } = await suite.start({ destinations: { billing: { deliver: never } }, worker: { enabled: false } });
    await ballast.outbox.enqueue('billing', { emoji: '😀', text: '\\ud800', nul: '\\u0000' });
    const rows = await suite.database().query(`SELECT payload FROM ${schema}.outbox`);
    expect(rows.map((r) => r.payload)).toEqual([{ emoji: '😀', text: '\\ud800', nul: '\\u0000' }]);
  });

  it('names the client option when it is not a client inside a transaction', async () => {
    const { ballast } = await suite.start(idle);
    const pool = { query: async () => ({ rows: [] }), connect: async () => ({}), totalCount: 0 };
    for (const client of [{}, 'postgres://x', null, pool]) {
      const error = await ballast.outbox.enqueue('billing', {}, { client: client as never }).catch((e: unknown) => e);
      expect(isInvalidPayloadError(error)).toBe(true);
      expect(error).toMatchObject({ field: 'client' });
      expect((error as Error).message).toContain('client');
    }
    const error = await ballast.outbox.enqueue('billing', {}, { client: pool as never }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('pg.Pool');
  });

  it('answers a re-enqueued idempotency key the outbox still holds (pending or dead) with the held id, even at maxPending', async () => {
    const { ballast, schema } = await suite.start(idle);
    const first = await ballast.outbox.enqueue('billing', { n: 1 }, { idempotencyKey: 'order-1' });
    // maxPending is 1 and reached: a held key is still answered, not refused as full.
    expect(await ballast.outbox.enqueue('billing', { n: 1 }, { idempotencyKey: 'order-1' })).toEqual({ ...first, duplicate: true });
    await suite.database().query(`UPDATE ${schema}.outbox SET state = 'dead', dead_at = now() WHERE id = $1`, [first.id]);
    expect(await ballast.outbox.enqueue('billing', { n: 1 }, { idempotencyKey: 'order-1' })).toEqual({ ...first, duplicate: true });
    expect(await suite.rows(schema)).toHaveLength(1);
  });

  it('answers a re-enqueued idempotency key whose message was delivered with the delivered id, even at maxPending', async () => {
    const delivered: string[] = [];
    const deliver = async (m: { idempotencyKey: string }): Promise<void> => {
      delivered.push(m.idempotencyKey);
    };
    const { ballast, schema } = await suite.start({ destinations: { billing: { deliver, maxPending: 1 } } });
    const first = await ballast.outbox.enqueue('billing', { n: 1 }, { idempotencyKey: 'order-2' });
    await until(async () => (await ballast.outbox.stats()).billing?.delivered === 1);
    expect(await suite.rows(schema)).toEqual([]);
    // Room to store: still the delivered message, nothing stored.
    expect(await ballast.outbox.enqueue('billing', { n: 1 }, { idempotencyKey: 'order-2' })).toEqual({ ...first, duplicate: true });
    // The outbox full (maxPending 1) with another message: the delivered key is still answered, not refused as full.
    await ballast.outbox.pause('billing');
    await ballast.outbox.enqueue('billing', { n: 2 }, { idempotencyKey: 'order-3' });
    const again = await ballast.outbox.enqueue('billing', { n: 1 }, { idempotencyKey: 'order-2' }).catch((e: unknown) => e);
    expect(isOutboxFullError(again)).toBe(false);
    expect(again).toEqual({ ...first, duplicate: true });
    expect((await suite.rows(schema)).map((r) => r.id)).not.toContain(first.id);
    expect(delivered).toEqual(['order-2']);
  });

  it('stores a delivered idempotency key as a new message once the retention window pruned it', async () => {
    const deliver = async (): Promise<void> => {};
    const { ballast, schema } = await suite.start({ destinations: { billing: { deliver } }, deliveredKeyRetentionMs: 1000 });
    const first = await ballast.outbox.enqueue('billing', { n: 1 }, { idempotencyKey: 'order-4' });
    await until(async () => (await ballast.outbox.stats()).billing?.delivered === 1);
    const recorded = `SELECT id::text AS id FROM ${schema}.outbox_delivered WHERE idempotency_key = 'order-4'`;
    expect(await suite.database().query(recorded)).toEqual([{ id: first.id }]);
    await until(async () => (await suite.database().query(recorded)).length === 0, 10_000);
    const again = await ballast.outbox.enqueue('billing', { n: 1 }, { idempotencyKey: 'order-4' });
    expect(again).toMatchObject({ idempotencyKey: 'order-4', duplicate: false });
    expect(again.id).not.toBe(first.id);
  });

  it('records no generated idempotency key on delivery', async () => {
    const deliver = async (): Promise<void> => {};
    const { ballast, schema } = await suite.start({ destinations: { billing: { deliver } } });
    await ballast.outbox.enqueue('billing', { n: 1 });
    await ballast.outbox.enqueue('billing', { n: 2 }, { key: 'k' });
    await until(async () => (await ballast.outbox.stats()).billing?.delivered === 2);
    expect(await suite.database().query(`SELECT * FROM ${schema}.outbox_delivered`)).toEqual([]);
  });
});
