import { createBallast, type Ballast, type BallastEvents } from '@ballast/core';
import { createTestDatabase, until, type TestDatabase } from '@ballast/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { storeStepBack } from '../../src/flags/index.js';
import { SECRET, call } from './support/call.js';

// Fleet mode needs a PostgreSQL server (LISTEN/NOTIFY across connections); PGlite is single-process.
const reason = 'needs a PostgreSQL server: set DATABASE_URL (CI does)';
if (!process.env.DATABASE_URL) console.warn(`packages/core/test/fleet/flags.test.ts skipped: ${reason}`);

describe.skipIf(!process.env.DATABASE_URL)(`flags in the fleet store${!process.env.DATABASE_URL ? ` (skipped without DATABASE_URL: ${reason})` : ''}`, () => {
  let db: TestDatabase & { backend: 'postgres' };
  const instances: Ballast[] = [];

  afterEach(async () => {
    for (const b of instances.splice(0)) await b.stop();
    await db?.drop();
  });

  async function instance(): Promise<Ballast> {
    const b = createBallast({
      flags: { newCheckout: { stage: 'internal', guard: 'p99(latency) < 50ms' } },
      admin: { tokens: { ops: { secret: SECRET, role: 'write' } } },
      fleet: { database: db.url, reconnect: { minMs: 20, maxMs: 200 }, timeoutMs: 1000 },
    });
    instances.push(b);
    await b.start();
    return b;
  }

  it('PATCH, promote and If-Match (DELETE of the override too) go through the store; a PATCH that changes nothing stores nothing', async () => {
    db = (await createTestDatabase({ backend: 'postgres' })) as TestDatabase & { backend: 'postgres' };
    const [a, b] = [await instance(), await instance()];
    const patched = await call(a, 'PATCH', '/flags/newCheckout', { stage: 'beta', percent: 50 });
    expect(patched.body).toMatchObject({ state: { stage: 'beta', percent: 50 }, source: 'override' });
    await until(() => b.flags.state('newCheckout').percent === 50, 5000, 'B to apply the PATCH');
    expect((await call(b, 'GET', '/flags/newCheckout')).body.version).toBe(patched.body.version);
    expect((await call(b, 'PATCH', '/flags/newCheckout', { percent: 50 })).body.version).toBe(patched.body.version);
    expect((await call(b, 'PATCH', '/flags/newCheckout', { percent: 60 }, { 'if-match': '"999"' })).status).toBe(412);
    expect((await call(b, 'POST', '/flags/newCheckout/promote')).body.state).toEqual({ stage: 'beta', percent: 100 });
    await until(() => a.flags.state('newCheckout').percent === 100, 5000, 'A to apply the promotion');
    // Deleting the override with a stale If-Match is a 412 that stores nothing.
    const stale = { 'if-match': `"${patched.body.version}"` };
    expect((await call(b, 'DELETE', '/flags/newCheckout/override', undefined, stale)).status).toBe(412);
    expect(b.flags.state('newCheckout')).toEqual({ stage: 'beta', percent: 100 });
    const history = await db.query(`SELECT actor, after FROM ballast.fleet_changes WHERE kind = 'flag' ORDER BY version`);
    expect(history).toEqual([
      { actor: 'ops', after: { stage: 'beta', percent: 50 } },
      { actor: 'ops', after: { stage: 'beta', percent: 100 } },
    ]);
  });

  it('two guards stepping back the same change at once: exactly one write wins, and both instances apply it once', async () => {
    db = (await createTestDatabase({ backend: 'postgres' })) as TestDatabase & { backend: 'postgres' };
    const [a, b] = [await instance(), await instance()];
    const rolledBack: BallastEvents['flag:rolled-back'][] = [];
    for (const i of [a, b]) i.events.on('flag:rolled-back', (e) => rolledBack.push(e));
    const promoted = await call(a, 'POST', '/flags/newCheckout/promote');
    await until(() => b.flags.get('newCheckout').version === promoted.body.version, 5000, 'B to apply the promotion');

    const before = { stage: 'internal', percent: 100 };
    const won = await Promise.all([a, b].map((i) => storeStepBack(i.fleet!.writer('flag')!)('newCheckout', before, promoted.body.version)));
    expect(won.sort()).toEqual([false, true]);
    await until(() => b.flags.state('newCheckout').stage === 'internal' && a.flags.state('newCheckout').stage === 'internal', 5000, 'both to step back');
    const guardRows = await db.query(`SELECT before, after FROM ballast.fleet_changes WHERE kind = 'flag' AND actor = 'guard'`);
    expect(guardRows).toEqual([{ before: { stage: 'beta', percent: 10 }, after: before }]);
    expect(rolledBack.map((e) => [e.name, e.to])).toEqual([['newCheckout', before], ['newCheckout', before]]);
    for (const i of [a, b]) expect(i.audit.recent().filter((e) => e.actor === 'guard')).toHaveLength(1);
  });

  it('every instance audits the action that happened, with the token that made it: promote, rollback, override delete, guard rollback', async () => {
    db = (await createTestDatabase({ backend: 'postgres' })) as TestDatabase & { backend: 'postgres' };
    const [a, b] = [await instance(), await instance()];
    const flagEntries = (i: Ballast) => i.audit.recent().reverse().filter((e) => e.target === 'newCheckout').map((e) => [e.action, e.actor]);
    const expected: string[][] = [];
    const step = async (via: Ballast, method: string, path: string, action: string, actor = 'ops') => {
      const reply = await call(via, method, path);
      expect(reply.status).toBe(200);
      expected.push([action, actor]);
      for (const i of [a, b]) await until(() => flagEntries(i).length === expected.length, 5000, `${action} to reach both instances`);
      return reply;
    };
    await step(a, 'POST', '/flags/newCheckout/promote', 'flag.promote');
    await step(b, 'POST', '/flags/newCheckout/promote', 'flag.promote');
    await step(a, 'POST', '/flags/newCheckout/rollback', 'flag.rollback');
    await step(b, 'DELETE', '/flags/newCheckout/override', 'flag.revert');
    const promoted = await step(a, 'POST', '/flags/newCheckout/promote', 'flag.promote');
    expect(await storeStepBack(b.fleet!.writer('flag')!)('newCheckout', { stage: 'internal', percent: 100 }, promoted.body.version as number)).toBe(true);
    expected.push(['flag.guard-rollback', 'guard']);
    for (const i of [a, b]) await until(() => flagEntries(i).length === expected.length, 5000, 'the guard rollback to reach both instances');
    for (const i of [a, b]) expect(flagEntries(i)).toEqual(expected);
    const shared = await db.query(`SELECT audit_action, actor FROM ballast.fleet_changes WHERE kind = 'flag' ORDER BY version`);
    expect(shared.map((r) => [r.audit_action, r.actor])).toEqual(expected);
  });

  it('an instance that starts after a guard rollback shows the warning, but does not announce an old rollback as new', async () => {
    db = (await createTestDatabase({ backend: 'postgres' })) as TestDatabase & { backend: 'postgres' };
    const a = await instance();
    await call(a, 'POST', '/flags/newCheckout/promote');
    const widened = await call(a, 'POST', '/flags/newCheckout/promote');
    expect(widened.body.state).toEqual({ stage: 'beta', percent: 100 });
    expect(await storeStepBack(a.fleet!.writer('flag')!)('newCheckout', { stage: 'beta', percent: 10 }, widened.body.version)).toBe(true);

    const late = createBallast({
      flags: { newCheckout: { stage: 'internal', guard: 'p99(latency) < 50ms' } },
      admin: { tokens: { ops: { secret: SECRET, role: 'write' } } },
      fleet: { database: db.url, reconnect: { minMs: 20, maxMs: 200 }, timeoutMs: 1000 },
    });
    instances.push(late);
    const announced: unknown[] = [];
    late.events.on('flag:rolled-back', (e) => announced.push(e));
    await late.start();
    expect(late.flags.state('newCheckout')).toEqual({ stage: 'beta', percent: 10 });
    const health = await call(late, 'GET', '/health');
    expect(health.body.checks['flag:newCheckout']?.[0]?.status).toBe('warn');
    expect(announced).toEqual([]);
    // When it happened, by the database clock: not when this instance started.
    const [stored] = await db.query(`SELECT changed_at FROM ballast.fleet_changes WHERE kind = 'flag' AND actor = 'guard'`);
    expect(late.flags.view('newCheckout').guard?.lastRollback?.at).toBe((stored?.changed_at as Date).toISOString());
  });
});
