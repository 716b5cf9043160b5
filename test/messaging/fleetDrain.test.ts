import { afterEach, describe, expect, it } from 'vitest';
import { createBallast, type Ballast } from '@ballast/core';
import { createTestDatabase, type TestDatabase } from '@ballast/testkit';

// Instances share a drain through the fleet store: a PostgreSQL server (PGlite is one process).
const reason = 'needs a PostgreSQL server: set DATABASE_URL (CI does)';
if (!process.env.DATABASE_URL) console.warn(`test/messaging/fleetDrain.test.ts skipped: ${reason}`);

const SECRET = 'fleet-drain-secret-0123456789';
const brokers = {
  redis: { type: 'redis-streams', url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
  nats: { type: 'nats-jetstream', servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' },
} as const;

interface Instance {
  ballast: Ballast;
  patch(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  stop(): Promise<void>;
}

async function eventually(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!process.env.DATABASE_URL)(`draining a broker across the fleet${process.env.DATABASE_URL ? '' : ` (skipped: ${reason})`}`, () => {
  let db: (TestDatabase & { backend: 'postgres' }) | undefined;
  const running: Instance[] = [];

  afterEach(async () => {
    await Promise.all(running.splice(0).map((i) => i.stop()));
    await db?.drop();
  });

  /** A fresh database for this test; its connection string. */
  async function freshDatabase(): Promise<string> {
    const created = (await createTestDatabase({ backend: 'postgres' })) as TestDatabase & { backend: 'postgres' };
    db = created;
    return created.url;
  }

  async function start(database: string): Promise<Instance> {
    const ballast = createBallast({
      brokers,
      admin: { tokens: { ops: { secret: SECRET, role: 'write' } } },
      fleet: { database, reconnect: { minMs: 50, maxMs: 500 }, timeoutMs: 2000 },
    });
    await ballast.start();
    const admin = await ballast.admin.listen({ port: 0 });
    const instance: Instance = {
      ballast,
      async patch(path, body) {
        const res = await fetch(`http://127.0.0.1:${admin.port}${path}`, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      },
      async stop() {
        running.splice(running.indexOf(instance), 1);
        await admin.close();
        await ballast.stop();
      },
    };
    running.push(instance);
    return instance;
  }

  it('a drain through one instance stops every instance choosing the broker, survives a restart, is audited, and an undrain reaches everyone', async () => {
    const url = await freshDatabase();
    const a = await start(url);
    let b = await start(url);
    const topic = `drain.${Date.now().toString(36)}`;

    const drained = await a.patch('/brokers/redis', { drain: true });
    expect(drained.status).toBe(200);
    expect(drained.body).toMatchObject({ name: 'redis', state: 'draining' });
    await eventually(() => b.ballast.messaging.view('redis').state === 'draining', 10_000, 'b to follow the drain');
    for (let i = 0; i < 5; i++) expect((await b.ballast.publish(topic, { i })).broker).toBe('nats');
    // Every instance records the change it applied, with the token that made it.
    for (const i of [a, b]) {
      expect(i.ballast.audit.recent().filter((e) => e.action === 'broker.drain')).toEqual([
        expect.objectContaining({ actor: 'ops', target: 'redis', before: { drain: false }, after: { drain: true } }),
      ]);
    }

    // A restarted instance reads the drain at start, before its first publish.
    await b.stop();
    b = await start(url);
    expect(b.ballast.messaging.view('redis').state).toBe('draining');
    expect((await b.ballast.publish(topic, { after: 'restart' })).broker).toBe('nats');

    expect((await b.patch('/brokers/redis', { drain: false })).body).toMatchObject({ state: 'up' });
    await eventually(() => a.ballast.messaging.view('redis').state === 'up', 10_000, 'a to follow the undrain');
  }, 60_000);

  it('refuses an invalid drain with 400 and stores nothing', async () => {
    const url = await freshDatabase();
    const a = await start(url);
    const refused = await a.patch('/brokers/redis', { drain: 'yes' });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ field: 'drain' });
    const b = await start(url);
    expect(b.ballast.messaging.view('redis').state).toBe('up');
    expect(a.ballast.audit.recent().filter((e) => e.action === 'broker.drain')).toEqual([]);
  }, 60_000);
});
