import { afterEach, describe, expect, it } from 'vitest';
import { PermanentDeliveryError, type AdminServer, type Deliver } from '@ballast/core';
import { testBackends } from '@ballast/testkit';
import { outboxSuite } from './setup.js';

const WRITE = 'write-secret-0123456789';
const READ = 'read-secret-0123456789ab';
const admin = { tokens: { ops: { secret: WRITE, role: 'write' as const }, viewer: { secret: READ, role: 'read' as const } } };
const reject: Deliver = async () => {
  throw new PermanentDeliveryError('rejected');
};

describe.each(testBackends())('outbox admin API (%s)', (backend) => {
  const suite = outboxSuite(backend);
  let server: AdminServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function open(worker = true) {
    const accepted: unknown[] = [];
    const { ballast } = await suite.start(
      {
        destinations: { billing: { deliver: reject }, audit: { deliver: async (m) => void accepted.push(m.payload) } },
        worker: { enabled: worker },
      },
      { admin },
    );
    server = await ballast.admin.listen();
    const base = `http://127.0.0.1:${server.port}`;
    const call = (method: string, path: string, token = WRITE) =>
      fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as Record<string, unknown>,
      }));
    return { ballast, call, accepted };
  }

  it('GET /outbox shows every destination with counts, pause and breaker state', async () => {
    const { ballast, call } = await open(false);
    await ballast.outbox.enqueue('audit', { n: 1 });
    const res = await call('GET', '/outbox', READ);
    expect(res.status).toBe(200);
    expect(res.body.destinations).toMatchObject({
      billing: { pending: 0, inFlight: 0, dead: 0, delivered: 0, paused: false, breaker: 'closed' },
      audit: { pending: 1, paused: false },
    });
  });

  it('lists dead messages and redrives one, audited under the token name', async () => {
    const { ballast, call } = await open();
    const m = await ballast.outbox.enqueue('billing', { n: 1 });
    await expect.poll(async () => (await ballast.outbox.stats()).billing?.dead).toBe(1);
    const list = await call('GET', '/outbox/dead?destination=billing&limit=10', READ);
    expect(list.body.dead).toMatchObject([{ id: m.id, destination: 'billing', payload: { n: 1 }, lastError: 'rejected' }]);
    expect((await call('POST', `/outbox/dead/${m.id}/retry`, READ)).status).toBe(403);
    const retried = await call('POST', `/outbox/dead/${m.id}/retry`);
    expect(retried).toEqual({ status: 200, body: { id: m.id, destination: 'billing', state: 'pending' } });
    expect(ballast.audit.recent(1)[0]).toMatchObject({ actor: 'ops', action: 'outbox.retry_dead', target: m.id });
  });

  it('rejects bad input with 4xx and changes nothing', async () => {
    const { ballast, call } = await open(false);
    expect((await call('GET', '/outbox/dead?limit=0')).body).toMatchObject({ error: 'invalid', field: 'limit' });
    expect((await call('GET', '/outbox/dead?destination=nowhere')).status).toBe(404);
    expect((await call('POST', '/outbox/dead/12345/retry')).status).toBe(404);
    expect((await call('POST', '/outbox/dead/not-a-number/retry')).status).toBe(404);
    expect((await call('POST', '/outbox/destinations/nowhere/pause')).status).toBe(404);
    expect((await call('GET', '/outbox', 'wrong-token-0123456789')).status).toBe(401);
    expect(ballast.audit.recent()).toEqual([]);
  });

  it('pauses and resumes a destination', async () => {
    const { ballast, call, accepted } = await open();
    expect(await call('POST', '/outbox/destinations/audit/pause')).toEqual({ status: 200, body: { destination: 'audit', paused: true } });
    expect(((await call('GET', '/outbox')).body.destinations as Record<string, { paused: boolean }>).audit?.paused).toBe(true);
    await ballast.outbox.enqueue('audit', { n: 1 });
    expect((await call('POST', '/outbox/destinations/audit/resume')).status).toBe(200);
    await expect.poll(() => accepted).toEqual([{ n: 1 }]);
    expect(ballast.audit.recent(2).map((e) => [e.actor, e.action])).toEqual([
      ['ops', 'outbox.resume'],
      ['ops', 'outbox.pause'],
    ]);
  });
});
