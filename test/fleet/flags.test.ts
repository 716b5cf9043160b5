import { createRequire } from 'node:module';
import { createTestDatabase, type TestDatabase } from '@ballast/testkit';
import { flagBucket } from '@ballast/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCoreBuilt, eventually, startInstance, type Instance, type InstanceSettings } from './support/instances.js';

// Real instance processes sharing one PostgreSQL; PGlite is single-process, so without a server there is nothing to test.
const reason = 'needs a PostgreSQL server shared by several processes: set DATABASE_URL (CI does)';
if (!process.env.DATABASE_URL) console.warn(`test/fleet/flags.test.ts skipped: ${reason}`);

const GUARD = 'p99(latency, /checkout) < 50ms';
const stateOf = async (i: Instance): Promise<unknown> => (await i.admin('GET', '/flags/newCheckout')).body.state;

interface PgModule {
  Client: new (config: { connectionString: string }) => {
    connect(): Promise<void>;
    query(text: string): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
    end(): Promise<void>;
  };
}

/**
 * Locks the stored row of `newCheckout` in a transaction of its own; `waiting()` counts the
 * other sessions of the database blocked on a lock (the guards' compare-and-set writes).
 */
async function lockFlagRow(url: string): Promise<{ waiting(): Promise<number>; release(): Promise<void> }> {
  // pg is a dev dependency of @ballast/core; borrowed from there, as the testkit does.
  const pg = createRequire(new URL('../../packages/core/package.json', import.meta.url))('pg') as PgModule;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  const locked = await client.query(`SELECT version FROM ballast.fleet_settings WHERE kind = 'flag' AND name = 'newCheckout' FOR UPDATE`);
  expect(locked.rowCount).toBe(1);
  return {
    waiting: async () => {
      // pg_stat_activity is a snapshot per transaction: clear it to see the sessions now.
      await client.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await client.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%fleet_settings%'`,
      );
      return rows[0]?.n as number;
    },
    release: async () => {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

/** `n` account keys whose bucket for newCheckout is (or is not) within 10 %. */
function accounts(n: number, inside: boolean): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (flagBucket('newCheckout', `acct-${i}`) <= 10 === inside) out.push(`acct-${i}`);
  return out;
}

describe.skipIf(!process.env.DATABASE_URL)(`feature flags across instance processes${!process.env.DATABASE_URL ? ` (skipped without DATABASE_URL: ${reason})` : ''}`, () => {
  let db: TestDatabase & { backend: 'postgres' };
  const instances: Instance[] = [];

  beforeAll(() => assertCoreBuilt());

  afterEach(async () => {
    await Promise.all(instances.splice(0).map((i) => i.kill()));
    await db?.drop();
  });

  async function start(name: string, settings: Omit<InstanceSettings, 'database'>): Promise<Instance> {
    const instance = await startInstance(name, { database: db.url, ...settings });
    instances.push(instance);
    return instance;
  }

  it('a promotion through one instance is followed by the others, survives a restart, and a revert reaches everyone', async () => {
    db = (await createTestDatabase({ backend: 'postgres' })) as TestDatabase & { backend: 'postgres' };
    const settings = { flags: { newCheckout: { stage: 'internal' } } };
    const [a, b] = [await start('a', settings), await start('b', settings)];
    let c = await start('c', settings);
    const [inside] = accounts(1, true);
    for (const i of [a, b, c]) expect(await i.checkout('beta', inside)).toBe(false);

    const promoted = await a.admin('POST', '/flags/newCheckout/promote');
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ state: { stage: 'beta', percent: 10 }, source: 'override' });
    for (const i of [b, c]) await eventually(async () => i.checkout('beta', inside), 10_000, `${i.name} to follow the promotion`);
    expect((await c.admin('GET', '/flags/newCheckout')).body.version).toBe(promoted.body.version);

    await c.kill();
    instances.splice(instances.indexOf(c), 1);
    c = await start('c-restarted', settings);
    // Ready means started: the stored state is in force before the first request.
    expect(await c.checkout('beta', inside)).toBe(true);

    expect((await b.admin('DELETE', '/flags/newCheckout/override')).status).toBe(200);
    for (const i of [a, b, c]) await eventually(async () => !(await i.checkout('beta', inside)), 10_000, `${i.name} to revert`);
    expect((await a.admin('GET', '/flags/newCheckout')).body).toMatchObject({ state: { stage: 'internal', percent: 100 }, source: 'code' });
    // Each instance that applied them audits what happened, with the token that did it.
    for (const i of [a, b]) {
      const entries = ((await i.admin('GET', '/audit')).body.entries as { actor: string; action: string; target: string }[]).filter((e) => e.target === 'newCheckout');
      expect(entries.map((e) => [e.action, e.actor])).toEqual([['flag.revert', 'ops'], ['flag.promote', 'ops']]);
    }
  }, 90_000);

  it('guards failing on three instances at once race to step back: exactly one rollback is recorded, and every instance ends at the state before the promotion', async () => {
    db = (await createTestDatabase({ backend: 'postgres' })) as TestDatabase & { backend: 'postgres' };
    const settings = {
      flags: { newCheckout: { stage: 'internal', guard: { expression: GUARD, minSamples: 3 }, guardWindowMs: 60_000 } },
      slowMs: 80,
      observe: { windowMs: 10_000, evaluateIntervalMs: 200 },
      // The step backs wait on the row lock below for as long as the slowest guard takes to fail.
      fleetTimeoutMs: 30_000,
    };
    const fleet = [await start('a', settings), await start('b', settings), await start('c', settings)];
    const [a] = fleet as [Instance];
    const promoted = await a.admin('POST', '/flags/newCheckout/promote');
    expect(promoted.status).toBe(200);
    for (const i of fleet) await eventually(async () => JSON.stringify(await stateOf(i)) === '{"stage":"beta","percent":10}', 10_000, `${i.name} to follow the promotion`);

    // Hold the stored row, so that no guard's step back can land before every guard has failed:
    // each instance's write then waits on the lock, all three in the same window.
    const lock = await lockFlagRow(db.url);
    try {
      // Every instance serves the slow new path to its tenth of beta, so every guard fails.
      const slow = accounts(4, true);
      await Promise.all(fleet.flatMap((i) => [...slow, ...accounts(4, false)].map((key) => i.checkout('beta', key))));
      await eventually(async () => (await lock.waiting()) === fleet.length, 30_000, 'all three guards to fail and wait to write their step back');
      for (const i of fleet) expect(await stateOf(i)).toEqual({ stage: 'beta', percent: 10 });
    } finally {
      await lock.release();
    }

    // Within the fleet bound, every instance is back where it was before the promotion.
    for (const i of fleet) {
      await eventually(async () => JSON.stringify(await stateOf(i)) === '{"stage":"internal","percent":100}', 10_000, `${i.name} to step back`);
    }
    const recorded = await db.query(`SELECT audit_action, actor, before, after FROM ballast.fleet_changes WHERE kind = 'flag' AND version > $1`, [promoted.body.version]);
    expect(recorded).toEqual([{ audit_action: 'flag.guard-rollback', actor: 'guard', before: { stage: 'beta', percent: 10 }, after: { stage: 'internal', percent: 100 } }]);
    for (const i of fleet) {
      const entries = ((await i.admin('GET', '/audit')).body.entries as { actor: string; action: string; target: string }[]).filter((e) => e.target === 'newCheckout');
      expect(entries.map((e) => [e.action, e.actor])).toEqual([['flag.guard-rollback', 'guard'], ['flag.promote', 'ops']]);
      const health = (await i.admin('GET', '/health')).body as { checks: Record<string, { status: string }[]> };
      expect(health.checks['flag:newCheckout']?.[0]?.status).toBe('warn');
      const view = (await i.admin('GET', '/flags/newCheckout')).body as { guard: { lastRollback: { from: unknown; to: unknown } | null } };
      expect(view.guard.lastRollback).toMatchObject({ from: { stage: 'beta', percent: 10 }, to: { stage: 'internal', percent: 100 } });
    }
  }, 120_000);
});
