import { createTestDatabase, type TestDatabase } from '@ballast/testkit';
import { flagBucket } from '@ballast/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCoreBuilt, eventually, startInstance, type Instance, type InstanceSettings } from './support/instances.js';

// Real instance processes sharing one PostgreSQL; PGlite is single-process, so without a server there is nothing to test.
const reason = 'needs a PostgreSQL server shared by several processes: set DATABASE_URL (CI does)';
if (!process.env.DATABASE_URL) console.warn(`test/fleet/flags.test.ts skipped: ${reason}`);

const GUARD = 'p99(latency, /checkout) < 50ms';
const stateOf = async (i: Instance): Promise<unknown> => (await i.admin('GET', '/flags/newCheckout')).body.state;

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
  }, 90_000);

  it('a failing guard steps the promotion back on every instance, with exactly one rollback recorded for the fleet', async () => {
    db = (await createTestDatabase({ backend: 'postgres' })) as TestDatabase & { backend: 'postgres' };
    const settings = {
      flags: { newCheckout: { stage: 'internal', guard: { expression: GUARD, minSamples: 3 }, guardWindowMs: 30_000 } },
      slowMs: 80,
      // Each watch starts when its instance applies the promotion (within milliseconds of the others) and is
      // first checked after the slow requests, so the guards fail at about the same time; whichever writes
      // first wins, and the others either lose the compare-and-set or see the rollback before they check.
      observe: { windowMs: 5000, evaluateIntervalMs: 500 },
    };
    const fleet = [await start('a', settings), await start('b', settings), await start('c', settings)];
    const [a] = fleet as [Instance];

    expect((await a.admin('POST', '/flags/newCheckout/promote')).status).toBe(200);
    for (const i of fleet) await eventually(async () => JSON.stringify(await stateOf(i)) === '{"stage":"beta","percent":10}', 10_000, `${i.name} to follow the promotion`);

    // Every instance serves the slow new path to its tenth of beta, so every guard fails and races to step back.
    const slow = accounts(4, true);
    const fast = accounts(4, false);
    await Promise.all(fleet.flatMap((i) => [...slow, ...fast].map((key) => i.checkout('beta', key))));

    for (const i of fleet) {
      await eventually(async () => JSON.stringify(await stateOf(i)) === '{"stage":"internal","percent":100}', 15_000, `${i.name} to step back`);
    }
    const recorded = await db.query(`SELECT actor, before, after FROM ballast.fleet_changes WHERE kind = 'flag' AND actor = 'guard'`);
    expect(recorded).toEqual([{ actor: 'guard', before: { stage: 'beta', percent: 10 }, after: { stage: 'internal', percent: 100 } }]);
    for (const i of fleet) {
      const entries = ((await i.admin('GET', '/audit')).body.entries as { actor: string; action: string; target: string }[]).filter((e) => e.actor === 'guard');
      expect(entries).toEqual([expect.objectContaining({ action: 'flag.guard-rollback', target: 'newCheckout' })]);
      const health = (await i.admin('GET', '/health')).body as { checks: Record<string, { status: string }[]> };
      expect(health.checks['flag:newCheckout']?.[0]?.status).toBe('warn');
      // The beta tenth is back on the old path everywhere.
      expect(await i.checkout('beta', slow[0])).toBe(false);
    }
  }, 90_000);
});
