import type { FleetInstance, StageSummary } from '@ballast/core';
import { createTestDatabase, type TestDatabase } from '@ballast/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertCoreBuilt, eventually, startInstance, type Instance, type InstanceSettings } from './support/instances.js';

// Real instance processes heartbeating to one PostgreSQL; PGlite is single-process, so without a server there is nothing to test.
const reason = 'needs a PostgreSQL server shared by several processes: set DATABASE_URL (CI does)';
if (!process.env.DATABASE_URL) console.warn(`test/fleet/deployView.test.ts skipped: ${reason}`);

interface InstancesBody {
  instances: FleetInstance[];
  stages: Record<string, StageSummary>;
}

/** What a deploy script asks before widening a release: is every instance of `stage` on `version` and passing? */
function ringReady(body: InstancesBody, stage: string, version: string): boolean {
  const ring = body.instances.filter((i) => i.stage === stage);
  return ring.length > 0 && ring.every((i) => i.appVersion === version && i.health === 'pass');
}

describe.skipIf(!process.env.DATABASE_URL)(`staged deployment view${!process.env.DATABASE_URL ? ` (skipped without DATABASE_URL: ${reason})` : ''}`, () => {
  let db: (TestDatabase & { backend: 'postgres' }) | undefined;
  const instances: Instance[] = [];

  beforeAll(() => assertCoreBuilt());

  afterEach(async () => {
    await Promise.all(instances.splice(0).map((i) => i.kill()));
    await db?.drop();
    db = undefined;
  });

  async function start(id: string, settings: Omit<InstanceSettings, 'database'>): Promise<Instance> {
    const database = (db ??= (await createTestDatabase({ backend: 'postgres' })) as TestDatabase & { backend: 'postgres' });
    const instance = await startInstance(id, { database: database.url, instanceId: id, heartbeatIntervalMs: 100, ...settings });
    instances.push(instance);
    return instance;
  }

  const list = async (via: Instance): Promise<InstancesBody> => {
    const res = await via.admin('GET', '/fleet/instances');
    expect(res.status).toBe(200);
    return res.body as unknown as InstancesBody;
  };

  it('lists instances of two rings; a SIGKILLed one goes stale and leaves the list', async () => {
    const internal = await start('internal-1', { stage: 'internal', appVersion: '1.5.0' });
    const beta = await start('beta-1', { stage: 'beta', appVersion: '1.4.2' });
    for (const via of [internal, beta]) {
      const body = await list(via);
      expect(body.instances.map((i) => [i.id, i.stage, i.appVersion, i.health])).toEqual([
        ['internal-1', 'internal', '1.5.0', 'pass'],
        ['beta-1', 'beta', '1.4.2', 'pass'],
      ]);
      expect(Object.keys(body.stages)).toEqual(['internal', 'beta']);
    }
    await beta.kill();
    instances.splice(instances.indexOf(beta), 1);
    // No goodbye: it stays listed until it has missed three heartbeats.
    await eventually(async () => (await list(internal)).instances.every((i) => i.id !== 'beta-1'), 10_000, 'the killed instance to go stale');
    expect((await list(internal)).stages).toEqual({ internal: { count: 1, appVersions: ['1.5.0'], health: 'pass' } });
  }, 60_000);

  it('answers a deploy script: is every beta instance on version X and passing?', async () => {
    const via = await start('internal-1', { stage: 'internal', appVersion: '2.0.0' });
    await start('beta-1', { stage: 'beta', appVersion: '2.0.0' });
    const old = await start('beta-2', { stage: 'beta', appVersion: '1.9.0' });
    expect(ringReady(await list(via), 'beta', '2.0.0')).toBe(false);
    expect((await list(via)).stages.beta).toEqual({ count: 2, appVersions: ['1.9.0', '2.0.0'], health: 'pass' });

    // The old beta instance is replaced by one on 2.0.0 whose readiness fails (an assert that cannot pass while idle).
    await old.stop();
    instances.splice(instances.indexOf(old), 1);
    const failing = await start('beta-3', { stage: 'beta', appVersion: '2.0.0', asserts: { busy: 'running(api) > 0' } });
    await eventually(async () => (await list(via)).instances.some((i) => i.id === 'beta-3' && i.health === 'fail'), 10_000, 'beta-3 to report its failing assert');
    const body = await list(via);
    expect(body.stages.beta).toEqual({ count: 2, appVersions: ['2.0.0'], health: 'fail' });
    expect(ringReady(body, 'beta', '2.0.0')).toBe(false);

    await failing.stop();
    instances.splice(instances.indexOf(failing), 1);
    await start('beta-4', { stage: 'beta', appVersion: '2.0.0' });
    expect(ringReady(await list(via), 'beta', '2.0.0')).toBe(true);
    expect(ringReady(await list(via), 'internal', '2.0.0')).toBe(true);
  }, 60_000);
});
