import { createTestDatabase, uniqueName, withDatabase, type TestDatabase } from '@ballast/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCoreBuilt, eventually, startInstance, type Instance } from './support/instances.js';

// Real instance processes sharing one PostgreSQL; PGlite is single-process, so without a server there is nothing to test.
const reason = 'needs a PostgreSQL server shared by several processes: set DATABASE_URL (CI does)';
if (!process.env.DATABASE_URL) console.warn(`test/fleet/instances.test.ts skipped: ${reason}`);

const shedReason = async (i: Instance): Promise<string | undefined> => (await i.hit('/work')).reason;
const fleetConnected = async (i: Instance): Promise<boolean> => (await i.admin('GET', '/fleet')).body.connected === true;

describe.skipIf(!process.env.DATABASE_URL)(`fleet of instance processes${!process.env.DATABASE_URL ? ` (skipped without DATABASE_URL: ${reason})` : ''}`, () => {
  let db: TestDatabase & { backend: 'postgres' };
  const instances: Instance[] = [];
  const roles: string[] = [];

  beforeAll(() => assertCoreBuilt());

  afterEach(async () => {
    await Promise.all(instances.splice(0).map((i) => i.kill()));
    for (const role of roles.splice(0)) {
      await db.query(`DROP OWNED BY ${role}`);
      await db.query(`DROP ROLE ${role}`);
    }
    await db?.drop();
  });

  async function setUp(): Promise<void> {
    db = (await createTestDatabase({ backend: 'postgres' })) as TestDatabase & { backend: 'postgres' };
  }

  async function start(name: string, database = db.url): Promise<Instance> {
    const instance = await startInstance(name, { database });
    instances.push(instance);
    return instance;
  }

  it('a PATCH through one instance is enforced by the two others', async () => {
    await setUp();
    const [a, b, c] = [await start('a'), await start('b'), await start('c')];
    for (const i of [a, b, c]) expect((await i.hit('/work')).status).toBe(200);
    const res = await a.admin('PATCH', '/limits/api', { maxConcurrent: 0 });
    expect(res.status).toBe(200);
    expect(await shedReason(a)).toBe('closed');
    await eventually(async () => (await shedReason(b)) === 'closed', 10_000, 'B to enforce the kill switch');
    await eventually(async () => (await shedReason(c)) === 'closed', 10_000, 'C to enforce the kill switch');
    expect((await c.admin('GET', '/limits/api')).body).toMatchObject({
      version: res.body.version,
      source: { fields: { maxConcurrent: 'override' }, lastChange: { action: 'override', actor: 'ops' } },
    });
  }, 60_000);

  it('an instance restarted still applies the override, and a revert reaches everyone', async () => {
    await setUp();
    const [a, b] = [await start('a'), await start('b')];
    let c = await start('c');
    expect((await b.admin('PATCH', '/limits/api', { maxConcurrent: 0 })).status).toBe(200);
    await eventually(async () => (await shedReason(c)) === 'closed', 10_000, 'C to enforce the kill switch');
    await c.kill();
    instances.splice(instances.indexOf(c), 1);
    c = await start('c-restarted');
    // Ready means started: the stored override is in force before the first request.
    expect(await shedReason(c)).toBe('closed');
    expect((await c.admin('DELETE', '/limits/api/override')).status).toBe(200);
    for (const i of [a, b, c]) await eventually(async () => (await i.hit('/work')).status === 200, 10_000, `${i.name} to revert`);
  }, 60_000);

  it('an instance cut off from the database keeps serving its last settings, refuses changes with 503, and converges when it is back', async () => {
    await setUp();
    // C connects as its own role, so the test can cut C alone off: NOLOGIN stops its reconnects,
    // pg_terminate_backend kills its live connections.
    const role = uniqueName('ballast_fleet_c');
    roles.push(role);
    await db.query(`CREATE ROLE ${role} LOGIN SUPERUSER`);
    const asC = new URL(db.url);
    asC.username = role;
    const [a, b, c] = [await start('a'), await start('b'), await start('c', withDatabase(asC.toString(), db.name))];
    await a.admin('PATCH', '/limits/api', { maxConcurrent: 50 });
    const maxConcurrentOf = async (i: Instance): Promise<unknown> =>
      ((await i.admin('GET', '/limits/api')).body.settings as { maxConcurrent?: unknown } | undefined)?.maxConcurrent;
    await eventually(async () => (await maxConcurrentOf(c)) === 50, 10_000, 'C to apply the first change');

    await db.query(`ALTER ROLE ${role} NOLOGIN`);
    const killed = await db.query(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE usename = $1`, [role]);
    expect(killed.length).toBeGreaterThan(0);
    await eventually(async () => !(await fleetConnected(c)), 10_000, 'C to notice it lost the store');

    const refused = await c.admin('PATCH', '/limits/api', { maxConcurrent: 7 });
    expect(refused.status).toBe(503);
    expect(refused.body.error).toBe('BALLAST_FLEET_STORE_UNAVAILABLE');
    expect((await c.hit('/work')).status).toBe(200);

    expect((await a.admin('PATCH', '/limits/api', { maxConcurrent: 0 })).status).toBe(200);
    await eventually(async () => (await shedReason(b)) === 'closed', 10_000, 'B to enforce the change');
    // C cannot have heard of it: it cannot log in. It keeps its last known settings.
    expect(await maxConcurrentOf(c)).toBe(50);
    expect((await c.hit('/work')).status).toBe(200);

    await db.query(`ALTER ROLE ${role} LOGIN`);
    await eventually(async () => (await shedReason(c)) === 'closed', 15_000, 'C to converge after reconnecting');
    expect(await fleetConnected(c)).toBe(true);
  }, 60_000);
});
