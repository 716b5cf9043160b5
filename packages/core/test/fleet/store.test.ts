import { createBallast, type Ballast } from '@ballast/core';
import pg from 'pg';
import { createTestDatabase, until, type TestDatabase } from '@ballast/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET, call } from './support/call.js';

// Fleet mode needs a PostgreSQL server (LISTEN/NOTIFY across connections); PGlite is single-process.
const reason = 'needs a PostgreSQL server: set DATABASE_URL (CI does)';
if (!process.env.DATABASE_URL) console.warn(`packages/core/test/fleet/store.test.ts skipped: ${reason}`);

describe.skipIf(!process.env.DATABASE_URL)(`fleet settings store${!process.env.DATABASE_URL ? ` (skipped without DATABASE_URL: ${reason})` : ''}`, () => {
  let db: TestDatabase & { backend: 'postgres' };
  const instances: Ballast[] = [];

  afterEach(async () => {
    for (const b of instances.splice(0)) await b.stop();
    await db?.drop();
  });

  async function instance(database = db.url): Promise<Ballast> {
    const b = createBallast({
      limits: { search: { maxConcurrent: 4, maxQueue: 8 }, api: { maxConcurrent: 64 } },
      dependencies: { profiles: { timeoutMs: 300 } },
      asserts: { traffic: 'active_connections < 1000' },
      admin: { tokens: { ops: { secret: SECRET, role: 'write' } } },
      fleet: { database, reconnect: { minMs: 20, maxMs: 200 }, timeoutMs: 1000 },
    });
    instances.push(b);
    await b.start();
    return b;
  }

  async function setUp(): Promise<void> {
    db = (await createTestDatabase({ backend: 'postgres' })) as TestDatabase & { backend: 'postgres' };
  }

  it('a PATCH on one instance is applied by the other, with its source, actor and the store version', async () => {
    await setUp();
    const [a, b] = [await instance(), await instance()];
    const res = await call(a, 'PATCH', '/limits/search', { maxConcurrent: 9 });
    expect(res.status).toBe(200);
    expect(res.body.settings.maxConcurrent).toBe(9);
    await until(() => b.limits.get('search').settings.maxConcurrent === 9, 5000, 'B to apply the override');
    const view = await call(b, 'GET', '/limits/search');
    expect(view.body.version).toBe(res.body.version);
    expect(view.headers.etag).toBe(`"${res.body.version}"`);
    expect(view.body.source.fields).toMatchObject({ maxConcurrent: 'override', maxQueue: 'default' });
    expect(view.body.source.lastChange).toMatchObject({ action: 'override', actor: 'ops', version: res.body.version });
    const stored = await db.query('SELECT actor, patch FROM ballast.fleet_settings WHERE name = $1', ['search']);
    expect(stored).toEqual([{ actor: 'ops', patch: { maxConcurrent: 9 } }]);
    // The store keeps the history too: who, what, before, after, and when by the database clock.
    const history = await db.query('SELECT actor, action, before, after, changed_at <= now() AS past FROM ballast.fleet_changes');
    expect(history).toEqual([{ actor: 'ops', action: 'override', before: null, after: { maxConcurrent: 9 }, past: true }]);
  });

  it('merges successive patches and reverts everywhere with DELETE /limits/:name/override', async () => {
    await setUp();
    const [a, b] = [await instance(), await instance()];
    await call(a, 'PATCH', '/limits/search', { maxConcurrent: 9 });
    await call(b, 'PATCH', '/limits/search', { maxQueue: 2 });
    await until(() => a.limits.get('search').settings.maxQueue === 2, 5000, 'A to apply B’s change');
    expect(a.limits.get('search').settings.maxConcurrent).toBe(9);
    const reverted = await call(b, 'DELETE', '/limits/search/override');
    expect(reverted.status).toBe(200);
    expect(reverted.body.settings).toMatchObject({ maxConcurrent: 4, maxQueue: 8 });
    await until(() => a.limits.get('search').settings.maxConcurrent === 4, 5000, 'A to revert');
    expect(a.limits.view('search').source?.lastChange).toMatchObject({ action: 'revert', actor: 'ops' });
    expect(a.limits.view('search').source?.fields.maxConcurrent).toBe('default');
  });

  it('applies stored overrides on start, over the code defaults', async () => {
    await setUp();
    const a = await instance();
    await call(a, 'PATCH', '/limits/api', { maxConcurrent: 3 });
    await call(a, 'PATCH', '/dependencies/profiles', { force: 'open', timeoutMs: 500 });
    const late = await instance();
    expect(late.limits.get('api').settings.maxConcurrent).toBe(3);
    expect(late.dependencies.view('profiles')).toMatchObject({ state: 'open', settings: { force: 'open', timeoutMs: 500 } });
    const dep = await call(late, 'GET', '/dependencies/profiles');
    expect(dep.body.source.fields).toMatchObject({ force: 'override', timeoutMs: 'override', volumeThreshold: 'default' });
  });

  it('honours If-Match against the store version: 412 when another instance changed it first', async () => {
    await setUp();
    const [a, b] = [await instance(), await instance()];
    const seen = await call(a, 'GET', '/limits/search');
    await call(b, 'PATCH', '/limits/search', { maxConcurrent: 5 });
    const stale = await call(a, 'PATCH', '/limits/search', { maxConcurrent: 6 }, { 'if-match': seen.headers.etag as string });
    expect(stale.status).toBe(412);
    await until(() => a.limits.get('search').settings.maxConcurrent === 5, 5000, 'A to apply B’s change');
  });

  it('answers a PATCH that changes nothing with 200, writing no change and bumping no version; compares If-Match strongly', async () => {
    await setUp();
    const a = await instance();
    const first = await call(a, 'PATCH', '/limits/search', { maxConcurrent: 5 });
    const version = first.body.version as number;
    for (const body of [{ maxConcurrent: 5 }, {}]) {
      const same = await call(a, 'PATCH', '/limits/search', body);
      expect(same.status).toBe(200);
      expect(same.body).toMatchObject({ version, settings: { maxConcurrent: 5 } });
    }
    // Pinning a dependency's value is a change (its source becomes the override); pinning it again is not.
    const pinned = await call(a, 'PATCH', '/dependencies/profiles', { timeoutMs: 400 });
    const again = await call(a, 'PATCH', '/dependencies/profiles', { timeoutMs: 400 });
    expect(again.body.version).toBe(pinned.body.version);
    expect(await db.query('SELECT name FROM ballast.fleet_changes ORDER BY name')).toEqual([{ name: 'profiles' }, { name: 'search' }]);
    expect(a.audit.recent().filter((e) => e.target === 'search')).toHaveLength(1);
    const padded = await call(a, 'PATCH', '/limits/search', { maxConcurrent: 6 }, { 'if-match': `"0${version}"` });
    expect(padded.status).toBe(412);
    const listed = await call(a, 'PATCH', '/limits/search', { maxConcurrent: 6 }, { 'if-match': `"${version + 5}", "${version}"` });
    expect(listed.status).toBe(200);
    const local = await call(a, 'PATCH', '/limits/search', { onStoreDown: 'open' });
    expect(local.status).toBe(400);
    expect(local.body.field).toBe('limits.search.onStoreDown');
  });

  it('rejects an invalid PATCH with 400 naming the field and stores nothing', async () => {
    await setUp();
    const a = await instance();
    const res = await call(a, 'PATCH', '/limits/search', { maxConcurrent: -1 });
    expect(res.status).toBe(400);
    expect(res.body.field).toBe('maxConcurrent');
    expect(await db.query('SELECT * FROM ballast.fleet_settings')).toEqual([]);
  });

  it('skips an invalid stored row with an event, keeps serving, and applies the next valid change', async () => {
    await setUp();
    const a = await instance();
    const invalid: unknown[] = [];
    a.events.on('fleet:invalid', (e) => invalid.push(e));
    await db.query(
      `INSERT INTO ballast.fleet_settings (kind, name, patch, version, actor)
       VALUES ('limit', 'search', '{"maxConcurrent": "lots"}', nextval('ballast.fleet_version_seq'), 'psql')`,
    );
    await db.query(`SELECT pg_notify('ballast_fleet', (SELECT version::text FROM ballast.fleet_settings WHERE name = 'search'))`);
    await until(() => invalid.length === 1, 5000, 'the invalid row to be reported');
    expect(invalid[0]).toMatchObject({ kind: 'limit', name: 'search', field: 'limits.search.maxConcurrent' });
    expect(a.limits.get('search').settings.maxConcurrent).toBe(4);
    // The admin API can still repair it: the merge is validated, so the bad field must be replaced.
    const fixed = await call(a, 'PATCH', '/limits/search', { maxConcurrent: 7 });
    expect(fixed.status).toBe(200);
    expect(a.limits.get('search').settings.maxConcurrent).toBe(7);
  });

  it('adds, replaces and removes asserts on every instance, and reverts to the code’s asserts', async () => {
    await setUp();
    const [a, b] = [await instance(), await instance()];
    expect((await call(a, 'PUT', '/asserts/latency', 'p99(latency) < 80ms')).status).toBe(201);
    await until(() => b.asserts.has('latency'), 5000, 'B to add the assert');
    expect((await call(a, 'PUT', '/asserts/latency', 'p99(latency) < nonsense')).status).toBe(400);
    expect((await call(b, 'DELETE', '/asserts/traffic')).status).toBe(204);
    await until(() => !a.asserts.has('traffic'), 5000, 'A to remove the assert');
    expect((await call(a, 'DELETE', '/asserts/traffic/override')).status).toBe(200);
    await until(() => b.asserts.has('traffic'), 5000, 'B to restore the code’s assert');
    const latency = (await b.asserts.evaluate()).find((v) => v.name === 'latency');
    expect(latency?.expression).toBe('p99(latency) < 80ms');
  });

  it('uses the outbox database when fleet names none, and leaves a pg.Pool it was given open', async () => {
    await setUp();
    const pool = new pg.Pool({ connectionString: db.url, max: 3 });
    try {
      const a = createBallast({
        limits: { search: { maxConcurrent: 4 } },
        outbox: { database: pool, destinations: { sink: { deliver: async () => {} } }, worker: { enabled: false } },
        fleet: {},
      });
      instances.push(a);
      await a.start();
      const b = await instance();
      await call(b, 'PATCH', '/limits/search', { maxConcurrent: 6 });
      await until(() => a.limits.get('search').settings.maxConcurrent === 6, 5000, 'A to follow through the outbox database');
      await a.stop();
      instances.splice(instances.indexOf(a), 1);
      expect((await pool.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('reconnects after its backend is terminated, reporting the outage once, and listens again', async () => {
    await setUp();
    const [a, b] = [await instance(), await instance()];
    const seen: string[] = [];
    a.events.on('fleet:disconnected', () => seen.push('disconnected'));
    a.events.on('fleet:connected', () => seen.push('connected'));
    await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'ballast-fleet'`, [db.name]);
    await until(() => seen.includes('connected') && b.fleet?.connected === true, 10_000, 'both instances to reconnect');
    expect(seen).toEqual(['disconnected', 'connected']);
    // Pooled connections were terminated too: the write must get a live one.
    expect((await call(b, 'PATCH', '/limits/search', { maxConcurrent: 11 })).status).toBe(200);
    await until(() => a.limits.get('search').settings.maxConcurrent === 11, 5000, 'A to hear the change on its new connection');
  });

  it('refuses changes with 503 when the store is unreachable, and keeps serving with the code settings', async () => {
    const a = await instance('postgres://postgres@127.0.0.1:1/nowhere');
    const res = await call(a, 'PATCH', '/limits/search', { maxConcurrent: 9 });
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('BALLAST_FLEET_STORE_UNAVAILABLE');
    expect(a.limits.get('search').settings.maxConcurrent).toBe(4);
    expect(a.fleet?.connected).toBe(false);
    expect((await call(a, 'GET', '/limits/search')).status).toBe(200);
  });
});

describe('DELETE .../override without a fleet', () => {
  it('reverts a limit and a dependency of this instance to the code’s settings, audited', async () => {
    const b = createBallast({
      limits: { search: { maxConcurrent: 4 } },
      dependencies: { profiles: { timeoutMs: 300 } },
      admin: { tokens: { ops: { secret: SECRET, role: 'write' } } },
    });
    await call(b, 'PATCH', '/limits/search', { maxConcurrent: 9 });
    await call(b, 'PATCH', '/dependencies/profiles', { timeoutMs: 900, force: 'open' });
    const limit = await call(b, 'DELETE', '/limits/search/override');
    expect(limit.status).toBe(200);
    expect(limit.body.settings.maxConcurrent).toBe(4);
    expect(limit.body.source).toBeUndefined();
    const dep = await call(b, 'DELETE', '/dependencies/profiles/override');
    expect(dep.body).toMatchObject({ state: 'closed', settings: { timeoutMs: 300, force: null } });
    expect(b.audit.recent(2).map((e) => e.action)).toEqual(['dependency.update', 'limit.revert']);
    await b.stop();
  });
});

describe('fleet options', () => {
  it('throw at construction naming the field', () => {
    const fieldOf = (options: Parameters<typeof createBallast>[0]): string | undefined => {
      try {
        createBallast(options);
      } catch (error) {
        return (error as { field?: string }).field;
      }
      return undefined;
    };
    expect(fieldOf({ fleet: {} })).toBe('fleet.database');
    expect(fieldOf({ fleet: { database: 'postgres://x/y', schema: 'Not-An-Identifier' } })).toBe('fleet.schema');
    expect(fieldOf({ fleet: { database: 'postgres://x/y', reconnect: { minMs: 500, maxMs: 100 } } })).toBe('fleet.reconnect.maxMs');
    expect(fieldOf({ fleet: { redis: 'http://not-redis' } })).toBe('fleet.redis');
  });
});
