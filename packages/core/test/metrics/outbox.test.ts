import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBallast, type Ballast, type BallastOptions } from '@ballast/core';
import { createTestDatabase, testBackends, uniqueName, type TestDatabase } from '@ballast/testkit';

const SECRET = 'outbox-metrics-secret-01';

describe.each(testBackends())('outbox signals and metrics (%s)', (backend) => {
  let db: TestDatabase | undefined;
  let ballast: Ballast | undefined;
  beforeAll(async () => {
    db = await createTestDatabase({ backend });
  });
  afterEach(async () => {
    await ballast?.stop();
    ballast = undefined;
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function startWithBacklog(count: number): Promise<Ballast> {
    ballast = createBallast({
      outbox: {
        database: db!.database,
        schema: uniqueName('obm'),
        // No worker: what is enqueued stays pending, so the numbers are exact.
        worker: { enabled: false },
        destinations: { billing: { deliver: async () => {} } },
      },
      asserts: { backlog: 'pending(billing) < 2', age: 'oldest_age(billing) < 3600s' },
      admin: { tokens: { ops: { secret: SECRET, role: 'read' } } },
    });
    await ballast.start();
    for (let i = 0; i < count; i++) await ballast.outbox.enqueue('billing', { i });
    return ballast;
  }

  /** Starts an instance with one pending message and counts its outbox's `stats()` calls (each one scans the table). */
  async function startCountingReads(options: Omit<BallastOptions, 'outbox'>): Promise<() => number> {
    ballast = createBallast({
      ...options,
      outbox: { database: db!.database, schema: uniqueName('obm'), worker: { enabled: false }, destinations: { billing: { deliver: async () => {} } } },
    });
    await ballast.start();
    await ballast.outbox.enqueue('billing', { i: 1 });
    const outbox = ballast.outbox;
    const stats = outbox.stats.bind(outbox);
    let reads = 0;
    outbox.stats = () => {
      reads++;
      return stats();
    };
    return () => reads;
  }

  it('evaluates pending() and oldest_age() against the outbox', async () => {
    const b = await startWithBacklog(3);
    const views = Object.fromEntries((await b.asserts.evaluate()).map((v) => [v.name, v]));
    expect(views.backlog).toMatchObject({ status: 'fail', observedValue: 3 });
    expect(views.age).toMatchObject({ status: 'pass', observedUnit: 'ms' });
    expect(views.age?.observedValue).toBeGreaterThanOrEqual(0);
    const health = await b.admin.handle({
      method: 'GET',
      path: '/readyz',
      query: '',
      header: (name) => (name === 'authorization' ? `Bearer ${SECRET}` : undefined),
      body: { kind: 'parsed', value: undefined },
    });
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body ?? '{}')).toMatchObject({
      status: 'fail',
      checks: { 'outbox:database': [{ status: 'pass' }], 'assert:backlog': [{ status: 'fail', observedValue: 3 }] },
    });
  });

  it('asks the outbox for its counts only while some assert reads them (they scan the table)', async () => {
    const reads = await startCountingReads({ asserts: { latency: 'p99(latency) < 10s', connections: 'active_connections >= 0' } });
    for (let i = 0; i < 3; i++) await ballast!.asserts.evaluate();
    expect(reads()).toBe(0);
    ballast!.asserts.set('backlog', 'pending(billing) < 2');
    const views = Object.fromEntries((await ballast!.asserts.evaluate()).map((v) => [v.name, v]));
    expect(reads()).toBe(1);
    expect(views.backlog).toMatchObject({ status: 'pass', observedValue: 1 });
    ballast!.asserts.remove('backlog');
    await ballast!.asserts.evaluate();
    expect(reads()).toBe(1);
  });

  it('readiness pings the outbox database instead of counting its table, and fails while it cannot be reached', async () => {
    const reads = await startCountingReads({ admin: { tokens: { ops: { secret: SECRET, role: 'read' } } } });
    const probe = (b: Ballast, path: string) =>
      b.admin.handle({ method: 'GET', path, query: '', header: (name) => (name === 'authorization' ? `Bearer ${SECRET}` : undefined), body: { kind: 'parsed', value: undefined } });
    // A public probe answered by a count would let any client scan the table as often as it likes.
    const replies = await Promise.all([...Array.from({ length: 8 }, () => probe(ballast!, '/readyz')), probe(ballast!, '/health')]);
    expect(reads()).toBe(0);
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body ?? '{}')).toMatchObject({ status: 'pass', checks: { 'outbox:database': [{ status: 'pass' }] } });
    }

    const unreachable = createBallast({
      outbox: { database: 'postgres://postgres@127.0.0.1:1/nowhere', worker: { enabled: false }, destinations: { billing: { deliver: async () => {} } } },
      admin: { tokens: { ops: { secret: SECRET, role: 'read' } } },
    });
    try {
      await unreachable.start();
      const reply = await probe(unreachable, '/readyz');
      expect(reply.status).toBe(503);
      expect(JSON.parse(reply.body ?? '{}')).toMatchObject({
        status: 'fail',
        checks: { 'outbox:database': [{ status: 'fail', output: 'outbox database unreachable' }] },
      });
    } finally {
      await unreachable.stop();
    }
  });

  it('exports the outbox families with the backlog, and the database as up', async () => {
    const b = await startWithBacklog(2);
    const { body } = await b.metrics.text();
    expect(body).toContain('ballast_outbox_database_up 1');
    expect(body).toContain('ballast_outbox_pending{destination="billing"} 2');
    expect(body).toContain('ballast_outbox_in_flight{destination="billing"} 0');
    expect(body).toContain('ballast_outbox_dead{destination="billing"} 0');
    expect(body).toContain('ballast_outbox_delivered_total{destination="billing"} 0');
    expect(body).toMatch(/^ballast_outbox_oldest_pending_age_seconds\{destination="billing"\} \d+(\.\d+)?$/m);
    expect(body).toContain('# TYPE ballast_outbox_delivery_duration_seconds histogram');
  });

  it('fails construction for an assert on a destination that is not configured', () => {
    expect(() =>
      createBallast({
        outbox: { database: db!.database, destinations: { billing: { deliver: async () => {} } } },
        asserts: { backlog: 'pending(shipping) < 2' },
      }),
    ).toThrow(/asserts\.backlog: at position 9: unknown outbox destination "shipping"/);
  });
});
