import { createBallast, type Ballast, type BallastOptions, type FleetInstance } from '@ballast/core';
import { createTestDatabase, uniqueName, until, withDatabase, type TestDatabase } from '@ballast/testkit';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET, call } from './support/call.js';

// Heartbeats go to a PostgreSQL server shared by the instances; PGlite is single-process.
const reason = 'needs a PostgreSQL server: set DATABASE_URL (CI does)';
if (!process.env.DATABASE_URL) console.warn(`packages/core/test/fleet/presence.test.ts skipped: ${reason}`);


describe.skipIf(!process.env.DATABASE_URL)(`fleet instances${!process.env.DATABASE_URL ? ` (skipped without DATABASE_URL: ${reason})` : ''}`, () => {
  let db: TestDatabase & { backend: 'postgres' };
  const instances: Ballast[] = [];
  const roles: string[] = [];

  afterEach(async () => {
    for (const b of instances.splice(0)) await b.stop();
    for (const role of roles.splice(0)) {
      await db.query(`DROP OWNED BY ${role}`);
      await db.query(`DROP ROLE ${role}`);
    }
    await db?.drop();
  });

  async function setUp(): Promise<void> {
    db = (await createTestDatabase({ backend: 'postgres' })) as TestDatabase & { backend: 'postgres' };
  }

  async function instance(id: string, extra: Partial<BallastOptions> = {}, database = db.url): Promise<Ballast> {
    const b = createBallast({
      dependencies: { profiles: { timeoutMs: 300 } },
      admin: { tokens: { ops: { secret: SECRET, role: 'write' } } },
      fleet: { database, instanceId: id, heartbeatIntervalMs: 100, reconnect: { minMs: 20, maxMs: 200 }, timeoutMs: 1000 },
      ...extra,
    });
    instances.push(b);
    await b.start();
    return b;
  }

  const listed = async (b: Ballast, query = ''): Promise<{ instances: FleetInstance[]; stages: Record<string, unknown> }> => {
    const res = await call(b, 'GET', `/fleet/instances${query}`);
    expect(res.status).toBe(200);
    return res.body;
  };
  const ids = async (b: Ballast): Promise<string[]> => (await listed(b)).instances.map((i) => i.id);

  it('lists every started instance with its ring, version, health and database times, grouped by ring', async () => {
    await setUp();
    const a = await instance('a', { stage: 'beta', appVersion: '2.4.0' });
    await instance('b', { stage: 'internal', appVersion: '2.5.0-rc.1' });
    // Started means the first heartbeat is stored: no waiting.
    const body = await listed(a);
    expect(body.instances.map(({ id, stage, appVersion, health }) => ({ id, stage, appVersion, health }))).toEqual([
      { id: 'b', stage: 'internal', appVersion: '2.5.0-rc.1', health: 'pass' },
      { id: 'a', stage: 'beta', appVersion: '2.4.0', health: 'pass' },
    ]);
    const [dbNow] = await db.query('SELECT now() AS now');
    for (const i of body.instances) {
      expect(Object.keys(i).sort()).toEqual(['appVersion', 'health', 'id', 'lastSeenAt', 'stage', 'startedAt']);
      expect(Date.parse(i.startedAt)).toBeLessThanOrEqual(Date.parse(i.lastSeenAt));
      expect(Date.parse(i.lastSeenAt)).toBeLessThanOrEqual((dbNow?.now as Date).getTime());
    }
    expect(body.stages).toEqual({
      internal: { count: 1, appVersions: ['2.5.0-rc.1'], health: 'pass' },
      beta: { count: 1, appVersions: ['2.4.0'], health: 'pass' },
    });
    expect((await listed(a, '?stage=beta')).instances.map((i) => i.id)).toEqual(['a']);
  });

  it('keeps refreshing lastSeenAt and reports a failing readiness check as the instance health', async () => {
    await setUp();
    const a = await instance('a', { appVersion: '1.0.0' });
    const first = (await listed(a)).instances[0] as FleetInstance;
    expect(first.health).toBe('pass');
    // A breaker forced open with no fallback fails readiness (/health answers 503).
    expect((await call(a, 'PATCH', '/dependencies/profiles', { force: 'open' })).status).toBe(200);
    await until(async () => {
      const now = (await listed(a)).instances[0];
      return now !== undefined && now.lastSeenAt > first.lastSeenAt && now.health === 'fail';
    }, 5000, 'a later heartbeat with the failing check');
    expect((await listed(a)).stages).toEqual({ all: { count: 1, appVersions: ['1.0.0'], health: 'fail' } });
  });

  it('drops an instance at once on a graceful stop', async () => {
    await setUp();
    const a = await instance('a');
    const b = await instance('b');
    expect(await ids(a)).toEqual(['a', 'b']);
    await b.stop();
    instances.splice(instances.indexOf(b), 1);
    expect(await ids(a)).toEqual(['a']);
  });

  it('an instance cut off from the database keeps running, drops out after three missed beats, and is listed again once back', async () => {
    await setUp();
    // B connects as its own role: NOLOGIN stops its reconnects, pg_terminate_backend kills its connections.
    const role = uniqueName('ballast_presence_b');
    roles.push(role);
    await db.query(`CREATE ROLE ${role} LOGIN SUPERUSER`);
    const asB = new URL(db.url);
    asB.username = role;
    const a = await instance('a');
    const b = await instance('b', {}, withDatabase(asB.toString(), db.name));
    expect(await ids(a)).toEqual(['a', 'b']);
    await db.query(`ALTER ROLE ${role} NOLOGIN`);
    await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [role]);
    await until(async () => (await ids(a)).join() === 'a', 10_000, 'B to go stale');
    expect((await call(b, 'GET', '/fleet/instances')).status).toBe(503);
    expect((await call(b, 'GET', '/livez')).status).toBe(200);
    await db.query(`ALTER ROLE ${role} LOGIN`);
    await until(async () => (await ids(a)).join() === 'a,b', 10_000, 'B to heartbeat again');
  });

  it('applies migrations once over a database that holds the fleet tables from before numbered migrations', async () => {
    await setUp();
    const pool = new pg.Pool({ connectionString: db.url });
    try {
      await pool.query('CREATE SCHEMA ballast');
      await pool.query('CREATE TABLE ballast.fleet_settings (kind text, name text, patch jsonb, version bigint, actor text, changed_at timestamptz, PRIMARY KEY (kind, name))');
      await Promise.all([instance('a'), instance('b')]);
      const applied = await pool.query('SELECT id, name FROM ballast.fleet_migrations ORDER BY id');
      expect(applied.rows).toEqual([
        { id: 1, name: 'settings' },
        { id: 2, name: 'instances' },
        { id: 3, name: 'audit action' },
      ]);
      expect(await ids(instances[0] as Ballast)).toEqual(['a', 'b']);
    } finally {
      await pool.end();
    }
  });
});

describe('instance options', () => {
  const fieldOf = (options: BallastOptions): string | undefined => {
    try {
      createBallast(options);
    } catch (error) {
      return (error as { field?: string }).field;
    }
    return undefined;
  };

  it('throw at construction naming the field', () => {
    const fleet = { database: 'postgres://x/y' };
    expect(fieldOf({ fleet: { ...fleet, heartbeatIntervalMs: 10 } })).toBe('fleet.heartbeatIntervalMs');
    expect(fieldOf({ fleet: { ...fleet, heartbeatIntervalMs: 1.5 } })).toBe('fleet.heartbeatIntervalMs');
    expect(fieldOf({ fleet: { ...fleet, instanceId: '' } })).toBe('fleet.instanceId');
    expect(fieldOf({ stage: '' })).toBe('stage');
    expect(fieldOf({ appVersion: 3 as unknown as string })).toBe('appVersion');
    expect(fieldOf({ fleet, stage: 'beta', appVersion: '1.0.0' })).toBeUndefined();
  });
});
