import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createBallast, isBallastConfigError, type Deliver } from '@ballast/core';
import { createTestDatabase, needsEnv, testBackends, uniqueName, until, type TestDatabase } from '@ballast/testkit';
import { openDatabase, type SqlClient } from '../../src/outbox/store/index.js';
import { silentLogger } from '../../src/util/logger.js';

const noop: Deliver = async () => {};

describe('outbox options', () => {
  it.each([
    [{ destinations: { d: { deliver: 'nope' } } }, 'outbox.destinations.d.deliver'],
    [{ destinations: { d: { deliver: noop, maxAttempts: 0 } } }, 'outbox.destinations.d.maxAttempts'],
    [{ destinations: { d: { deliver: noop } }, schema: 'Robert"; DROP' }, 'outbox.schema'],
    [{ destinations: { d: { deliver: noop } }, worker: { leaseMs: 5 } }, 'outbox.worker.leaseMs'],
    [{ destinations: { d: { deliver: noop } }, database: 42 }, 'outbox.database'],
    [{ destinations: { d: { deliver: noop, breaker: { resetTimeoutMs: -1 } } } }, 'outbox.destinations.d.breaker.resetTimeoutMs'],
    [{ destinations: { d: { deliver: noop } }, surprise: true }, 'outbox.surprise'],
    [{ destinations: { d: { deliver: noop } }, preparedStatements: 'yes' }, 'outbox.preparedStatements'],
    [{ destinations: { d: { deliver: noop } }, deliveredKeyRetentionMs: 10 }, 'outbox.deliveredKeyRetentionMs'],
  ])('rejects %j naming %s', (outbox, field) => {
    const error = (() => {
      try {
        createBallast({ outbox } as never);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isBallastConfigError(error)).toBe(true);
    expect((error as { field: string }).field).toBe(field);
  });
});

describe('embedded PGlite', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ballast-pglite-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('persists messages on disk across restarts when no database is given', async () => {
    const options = { outbox: { dataDir: dir, destinations: { d: { deliver: noop } }, worker: { enabled: false } } };
    const first = createBallast(options);
    await first.start();
    await first.outbox.enqueue('d', { survives: true });
    await first.stop();
    const second = createBallast(options);
    await second.start();
    expect((await second.outbox.stats()).d?.pending).toBe(1);
    await second.stop();
  }, 120_000); // initdb of an on-disk PGlite takes several seconds on a busy machine
});

const server = needsEnv(['DATABASE_URL'], 'a pg.Pool needs a PostgreSQL server');
describe.skipIf(server.skip)(server.title('a pg.Pool given by the user'), () => {
  let db: TestDatabase & { backend: 'postgres' };
  beforeAll(async () => {
    db = (await createTestDatabase({ backend: 'postgres' })) as TestDatabase & { backend: 'postgres' };
  });
  afterAll(() => db.drop());

  it('survives an idle connection dying, and is never ended by stop()', async () => {
    const appName = uniqueName('app');
    // idleTimeoutMillis 0: the idle connection must still be there to be killed, however slow the machine.
    const pool = new pg.Pool({ connectionString: db.url, application_name: appName, max: 2, idleTimeoutMillis: 0 });
    const schema = uniqueName('ob');
    const ballast = createBallast({
      outbox: { database: pool, schema, destinations: { d: { deliver: noop } }, worker: { enabled: false } },
    });
    await ballast.start();
    expect(pool.listenerCount('error')).toBe(1);
    // The enqueue sends other instances a wake-up NOTIFY through the pool 25 ms later. Wait for it to arrive
    // and for the pool to be idle again: a connection killed while that NOTIFY runs fails the NOTIFY (which
    // Ballast ignores) instead of emitting 'error' on the pool (seen once under CI load: the test hung).
    const listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    await listener.query(`LISTEN "${schema}_outbox"`);
    const hinted = new Promise((resolve) => listener.once('notification', resolve));
    await ballast.outbox.enqueue('d', {});
    await hinted;
    await listener.end();
    await until(() => pool.totalCount > 0 && pool.idleCount === pool.totalCount);
    // Kill the pool's idle connection from the server side: pg emits 'error' on the pool.
    const killed = new Promise((resolve) => pool.once('error', resolve));
    await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [appName]);
    await killed;
    expect((await ballast.outbox.stats()).d?.pending).toBe(1);
    await ballast.stop();
    expect(pool.listenerCount('error')).toBe(0);
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await pool.end();
  });
});

describe.skipIf(server.skip)(server.title('a pool Ballast owns'), () => {
  let db: TestDatabase & { backend: 'postgres' };
  beforeAll(async () => {
    db = (await createTestDatabase({ backend: 'postgres' })) as TestDatabase & { backend: 'postgres' };
  });
  afterAll(() => db.drop());

  it('does not crash the process when a connection is terminated while stop() ends the pool', async () => {
    const appName = uniqueName('owned');
    const url = new URL(db.url);
    url.searchParams.set('application_name', appName);
    const warnings: string[] = [];
    const logger = { info: () => {}, error: () => {}, warn: (_: unknown, message: string) => void warnings.push(message) };
    const ballast = createBallast({
      logger,
      outbox: { database: url.toString(), schema: uniqueName('ob'), destinations: { d: { deliver: noop } }, worker: { enabled: false } },
    });
    await ballast.start();
    await ballast.outbox.enqueue('d', {});
    // Synchronously, so this process reads nothing meanwhile: the server terminates the pool's idle
    // connection (the call waits for the backend to exit) and its FATAL message sits unread in our socket.
    const terminated = execFileSync(
      'psql',
      [db.url, '-XAtc', `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) FROM pg_stat_activity WHERE application_name = '${appName}'`],
      { encoding: 'utf8' },
    );
    expect(Number(terminated.trim())).toBeGreaterThan(0);
    // pool.end() resolves before the client reads its socket; the 'error' it emits afterwards must
    // reach our listener (logged) instead of being an uncaught exception that ends the process.
    await ballast.stop();
    await until(() => warnings.includes('ballast: idle outbox database connection failed'));
  });
});

describe.each(testBackends())('outbox store transactions (%s)', (backend) => {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase({ backend });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('sets a setLocal setting for that transaction only (the claim runs with JIT off, the session keeps its own)', async () => {
    const store = await openDatabase(db?.database, '', silentLogger);
    try {
      const jit = async (client: SqlClient): Promise<unknown> => (await client.query<{ jit: string }>("SELECT current_setting('jit') AS jit"))[0]?.jit;
      const session = await store.transaction(jit);
      expect(await store.transaction(jit, { setLocal: `jit = ${session === 'on' ? 'off' : 'on'}` })).not.toBe(session);
      expect(await store.transaction(jit)).toBe(session);
    } finally {
      await store.close();
    }
  });
});
