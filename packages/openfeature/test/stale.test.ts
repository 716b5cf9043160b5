import { createBallast, type Ballast } from '@ballast/core';
import { BallastProvider } from '@ballast/openfeature';
import { createTestDatabase, uniqueName, until, withDatabase, type TestDatabase } from '@ballast/testkit';
import { OpenFeature, ProviderEvents, ProviderStatus, StandardResolutionReasons } from '@openfeature/server-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET, admin } from './support/admin.js';

// The fleet store is a PostgreSQL server; the instance under test connects as its own role, so the
// test can cut it alone off (NOLOGIN stops its reconnects, pg_terminate_backend ends its connections)
// without touching the shared server.
const reason = 'needs a PostgreSQL server: set DATABASE_URL (CI does)';
if (!process.env.DATABASE_URL) console.warn(`packages/openfeature/test/stale.test.ts skipped: ${reason}`);

describe.skipIf(!process.env.DATABASE_URL)(`BallastProvider in fleet mode${!process.env.DATABASE_URL ? ` (skipped without DATABASE_URL: ${reason})` : ''}`, () => {
  let db: TestDatabase & { backend: 'postgres' };
  let role: string;
  const instances: Ballast[] = [];
  const seen: string[] = [];

  afterEach(async () => {
    await OpenFeature.close();
    OpenFeature.clearHandlers();
    for (const b of instances.splice(0)) await b.stop();
    seen.splice(0);
    await db.query(`DROP OWNED BY ${role}`);
    await db.query(`DROP ROLE ${role}`);
    await db.drop();
  });

  async function setUp(login: boolean): Promise<string> {
    db = (await createTestDatabase({ backend: 'postgres' })) as TestDatabase & { backend: 'postgres' };
    role = uniqueName('ballast_of');
    await db.query(`CREATE ROLE ${role} ${login ? 'LOGIN' : 'NOLOGIN'} SUPERUSER`);
    const url = new URL(db.url);
    url.username = role;
    return withDatabase(url.toString(), db.name);
  }

  /** Sets the provider and records its events from then on (a handler added earlier would also see the previous provider's state). */
  async function use(ballast: Ballast): Promise<void> {
    OpenFeature.setProvider(new BallastProvider(ballast));
    for (const event of [ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.ConfigurationChanged]) {
      OpenFeature.addHandler(event, (details) => seen.push(event === ProviderEvents.ConfigurationChanged ? `changed:${details?.flagsChanged}` : event));
    }
    await until(() => status() !== ProviderStatus.NOT_READY, 10_000, 'the provider to initialize');
  }

  function instance(database: string): Ballast {
    const b = createBallast({
      flags: { betaTenth: { stage: 'beta', percent: 10 } },
      admin: { tokens: { ops: { secret: SECRET, role: 'write' } } },
      fleet: { database, reconnect: { minMs: 20, maxMs: 200 }, timeoutMs: 1000 },
    });
    instances.push(b);
    return b;
  }

  const cutOff = async (): Promise<void> => {
    await db.query(`ALTER ROLE ${role} NOLOGIN`);
    await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [role]);
  };
  const status = (): ProviderStatus => OpenFeature.getClient().providerStatus;

  it('goes STALE while the fleet store is unreachable, keeps evaluating, and is READY with the missed change once back', async () => {
    const asRole = await setUp(true);
    const other = instance(db.url);
    await other.start();
    await use(instance(asRole));
    expect(status()).toBe(ProviderStatus.READY);

    await cutOff();
    await until(() => status() === ProviderStatus.STALE, 10_000, 'PROVIDER_STALE');
    const client = OpenFeature.getClient();
    expect(await client.getBooleanDetails('betaTenth', false, { stage: 'internal' })).toMatchObject({
      value: true,
      reason: StandardResolutionReasons.TARGETING_MATCH,
    });
    // Widened through another instance while this one cannot hear it.
    const patch = await admin(other, 'PATCH', '/flags/betaTenth', { stage: 'all', percent: 100 });
    expect(patch.status).toBe(200);
    expect(await client.getBooleanValue('betaTenth', false, { stage: 'all' })).toBe(false);

    await db.query(`ALTER ROLE ${role} LOGIN`);
    await until(() => status() === ProviderStatus.READY, 10_000, 'PROVIDER_READY after the store is back');
    expect(seen).toEqual([ProviderEvents.Ready, ProviderEvents.Stale, 'changed:betaTenth', ProviderEvents.Ready]);
    expect(await client.getBooleanDetails('betaTenth', false, { stage: 'all' })).toMatchObject({
      value: true,
      reason: StandardResolutionReasons.TARGETING_MATCH,
    });
  });

  it('announces a change made through another instance of the fleet, and evaluates it', async () => {
    const asRole = await setUp(true);
    const other = instance(db.url);
    await other.start();
    await use(instance(asRole));
    expect(await OpenFeature.getClient().getBooleanValue('betaTenth', false, { stage: 'all' })).toBe(false);
    const promoted = await admin(other, 'POST', '/flags/betaTenth/promote');
    expect(promoted.status).toBe(200);
    await until(() => seen.includes('changed:betaTenth'), 10_000, 'PROVIDER_CONFIGURATION_CHANGED from the fleet');
    expect(await OpenFeature.getClient().getBooleanDetails('betaTenth', false, { stage: 'beta', targetingKey: 'acct-1' })).toMatchObject({
      value: true,
      reason: StandardResolutionReasons.TARGETING_MATCH,
    });
  });

  it('is READY then STALE when the fleet store is unreachable at start, and READY once it answers', async () => {
    const asRole = await setUp(false);
    await use(instance(asRole));
    await until(() => status() === ProviderStatus.STALE, 10_000, 'PROVIDER_STALE after start');
    expect(seen).toEqual([ProviderEvents.Ready, ProviderEvents.Stale]);
    // The code's flag states answer meanwhile.
    expect(await OpenFeature.getClient().getBooleanValue('betaTenth', false, { stage: 'internal' })).toBe(true);
    await db.query(`ALTER ROLE ${role} LOGIN`);
    await until(() => status() === ProviderStatus.READY, 10_000, 'PROVIDER_READY once the store answers');
    expect(seen).toEqual([ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.Ready]);
  });
});
