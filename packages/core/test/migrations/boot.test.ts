import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBallast, type Ballast } from '@ballast/core';
import { createTestDatabase, uniqueName, until, type TestDatabase } from '@ballast/testkit';
import { migrations as outboxMigrations } from '../../src/outbox/sql/migrations.js';
import { fleetMigrations } from '../../src/fleet/sql/migrations.js';

const reason = 'fleet mode needs a real PostgreSQL server: set DATABASE_URL';

describe.skipIf(!process.env.DATABASE_URL)(`one migration runner for outbox and fleet${process.env.DATABASE_URL ? '' : ` (skipped: ${reason})`}`, () => {
  let db: TestDatabase;
  const running: Ballast[] = [];
  beforeAll(async () => {
    db = await createTestDatabase({ backend: 'postgres' });
  });
  afterAll(async () => {
    await Promise.all(running.map((b) => b.stop()));
    await db?.drop();
  });

  it('several instances (outbox and fleet each) booting at once on a fresh schema all start, and each migration is applied once', async () => {
    if (db.backend !== 'postgres') throw new Error('unreachable');
    const url = db.url;
    const schema = uniqueName('boot');
    const problems: unknown[] = [];
    const logger = { info: () => {}, debug: () => {}, warn: (...a: unknown[]) => problems.push(a), error: (...a: unknown[]) => problems.push(a) };
    const connected = new Set<number>();
    const instances = Array.from({ length: 6 }, (_, i) => {
      const ballast = createBallast({
        logger,
        outbox: { database: url, schema, destinations: { d: { deliver: async () => {} } }, worker: { enabled: false } },
        fleet: { database: url, schema, channel: `${schema}_fleet` },
      });
      ballast.events.on('fleet:connected', () => connected.add(i));
      running.push(ballast);
      return ballast;
    });
    await Promise.all(instances.map((b) => b.start()));
    await until(() => connected.size === instances.length, 20_000, 'every instance connected to the fleet store');
    await Promise.all(instances.map((b) => b.outbox.enqueue('d', {})));
    expect(problems).toEqual([]);
    const ids = async (table: string) => (await db.query(`SELECT id FROM ${schema}.${table} ORDER BY id`)).map((r) => Number(r.id));
    expect(await ids('migrations')).toEqual(outboxMigrations.map((m) => m.id));
    expect(await ids('fleet_migrations')).toEqual(fleetMigrations.map((m) => m.id));
    expect((await instances[0]!.outbox.stats()).d?.pending).toBe(instances.length);
  });
});
