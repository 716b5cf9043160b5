import { describe, expect, it } from 'vitest';
import { isInvalidPayloadError, isOutboxFullError, isUnknownNameError } from '@ballast/core';
import { testBackends } from '@ballast/testkit';
import { migrations } from '../../src/outbox/sql/migrations.js';
import { outboxSuite } from './setup.js';

const never = async (): Promise<void> => {
  throw new Error('not delivering in this test');
};

describe.each(testBackends())('outbox enqueue (%s)', (backend) => {
  const suite = outboxSuite(backend);
  const idle = { destinations: { billing: { deliver: never }, audit: { deliver: never, maxPending: 2 } }, worker: { enabled: false } };

  it('stores a message with a UUID v7 idempotency key and reports it pending', async () => {
    const { ballast, schema } = await suite.start(idle);
    const r = await ballast.outbox.enqueue('billing', { amount: 10 }, { key: 'acct-1' });
    expect(r.id).toMatch(/^\d+$/);
    expect(r.idempotencyKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await suite.rows(schema)).toMatchObject([{ id: r.id, destination: 'billing', key: 'acct-1', state: 'pending', attempts: 0 }]);
    const stats = await ballast.outbox.stats();
    expect(stats.billing).toMatchObject({ pending: 1, inFlight: 0, dead: 0, delivered: 0, paused: false });
    expect(stats.billing?.oldestPendingAgeMs).toBeGreaterThanOrEqual(0);
    expect(stats.audit).toMatchObject({ pending: 0 });
  });

  it('does not store the same idempotency key twice for a destination', async () => {
    const { ballast, schema } = await suite.start(idle);
    const a = await ballast.outbox.enqueue('billing', { n: 1 }, { idempotencyKey: 'order-7' });
    const b = await ballast.outbox.enqueue('billing', { n: 2 }, { idempotencyKey: 'order-7' });
    expect(a.duplicate).toBe(false);
    expect(b).toEqual({ ...a, duplicate: true });
    expect(await suite.rows(schema)).toHaveLength(1);
  });

  it('rejects payloads that are not JSON, too large or hold NUL, and stores nothing', async () => {
    const { ballast, schema } = await suite.start({ ...idle, maxPayloadBytes: 100 });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: unknown[] = [cyclic, undefined, () => 1, 10n, { big: 'x'.repeat(200) }, { text: 'a\u0000b' }];
    for (const payload of bad) {
      const error = await ballast.outbox.enqueue('billing', payload).catch((e: unknown) => e);
      expect(isInvalidPayloadError(error), String(payload)).toBe(true);
      expect((error as { field: string }).field).toBe('payload');
    }
    await expect(ballast.outbox.enqueue('billing', {}, { key: 'line\nbreak' })).rejects.toMatchObject({ field: 'key' });
    expect(await suite.rows(schema)).toEqual([]);
    // A literal backslash followed by "u0000" is fine.
    await ballast.outbox.enqueue('billing', { text: '\\u0000' });
    expect(await suite.rows(schema)).toHaveLength(1);
  });

  it('refuses an unknown destination', async () => {
    const { ballast } = await suite.start(idle);
    const error = await ballast.outbox.enqueue('nowhere', {}).catch((e: unknown) => e);
    expect(isUnknownNameError(error)).toBe(true);
    expect((error as Error).message).toContain('nowhere');
  });

  it('throws OutboxFullError at maxPending and stores nothing more', async () => {
    const { ballast, schema } = await suite.start(idle);
    await ballast.outbox.enqueue('audit', { n: 1 });
    await ballast.outbox.enqueue('audit', { n: 2 });
    const error = await ballast.outbox.enqueue('audit', { n: 3 }).catch((e: unknown) => e);
    expect(isOutboxFullError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'BALLAST_OUTBOX_FULL', status: 503, destination: 'audit' });
    expect(await suite.rows(schema)).toHaveLength(2);
    // Another destination is not affected.
    await ballast.outbox.enqueue('billing', { n: 4 });
  });

  it('joins the caller transaction: a rollback stores nothing, a commit stores the message', async () => {
    const { ballast, schema } = await suite.start(idle);
    await suite.inTransaction(async (client) => {
      await ballast.outbox.enqueue('billing', { n: 'rolled back' }, { client });
      throw new Error('rollback');
    }).catch(() => {});
    expect(await suite.rows(schema)).toEqual([]);
    await suite.inTransaction((client) => ballast.outbox.enqueue('billing', { n: 'committed' }, { client }));
    expect(await suite.rows(schema)).toHaveLength(1);
  });

  it('applies migrations once when several instances start at the same time', async () => {
    const schema = `race_${Date.now().toString(36)}`;
    const all = await Promise.all([1, 2, 3].map(() => suite.start({ ...idle, schema })));
    const rows = await suite.database().query(`SELECT id FROM ${schema}.migrations ORDER BY id`);
    // Every migration exactly once, in order, whoever won the advisory lock.
    expect(rows).toEqual(migrations.map(({ id }) => ({ id })));
    await all[0]?.ballast.outbox.enqueue('billing', {});
    expect((await all[2]?.ballast.outbox.stats())?.billing?.pending).toBe(1);
  });
});
