import { afterEach, describe, expect, it } from 'vitest';
import type { AdminServer, Ballast } from '@ballast/core';
import { until } from '@ballast/testkit';
import { machineBrokers, uniqueGroup, uniqueTopic } from './brokers.js';
import { ballastSuite } from './setup.js';

const WRITE = 'write-secret-0123456789';
const READ = 'read-secret-0123456789ab';
const admin = { tokens: { ops: { secret: WRITE, role: 'write' as const }, viewer: { secret: READ, role: 'read' as const } } };

describe('messaging admin API', () => {
  const suite = ballastSuite();
  let server: AdminServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function open(): Promise<{ ballast: Ballast; call: (method: string, path: string, body?: unknown, token?: string) => Promise<{ status: number; body: Record<string, unknown>; text: string }> }> {
    const ballast = await suite.start({ brokers: machineBrokers(), admin });
    server = await ballast.admin.listen();
    const base = `http://127.0.0.1:${server.port}`;
    const call = async (method: string, path: string, body?: unknown, token = WRITE) => {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const r = await fetch(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await r.text();
      return { status: r.status, text, body: r.headers.get('content-type')?.includes('json') === true ? (JSON.parse(text) as Record<string, unknown>) : {} };
    };
    return { ballast, call };
  }

  it('GET /brokers shows each broker with its state and counters', async () => {
    const { ballast, call } = await open();
    ballast.messaging.drain('nats', true);
    ballast.messaging.drain('rabbit', true);
    await ballast.publish(uniqueTopic(), { orderId: '1' });
    const { status, body } = await call('GET', '/brokers');
    expect(status).toBe(200);
    expect(body).toEqual({
      brokers: {
        redis: { type: 'redis-streams', state: 'up', published: 1, consumed: 0, lastError: null },
        nats: { type: 'nats-jetstream', state: 'draining', published: 0, consumed: 0, lastError: null },
        rabbit: { type: 'amqp', state: 'draining', published: 0, consumed: 0, lastError: null },
      },
    });
  });

  it('PATCH /brokers/:name drains a broker: publishers stop choosing it, its subscribers keep consuming, the change is audited', async () => {
    const { ballast, call } = await open();
    const topic = uniqueTopic();
    const got: string[] = [];
    const subscription = ballast.subscribe(topic, { group: uniqueGroup() }, (_m, ctx) => void got.push(ctx.broker));
    await subscription.ready();
    for (const name of ['nats', 'rabbit']) ballast.messaging.drain(name, true);
    await ballast.publish(topic, { before: true });
    const drained = await call('PATCH', '/brokers/redis', { drain: true });
    expect(drained.status).toBe(200);
    expect(drained.body).toMatchObject({ name: 'redis', state: 'draining' });
    await until(() => got.length === 1, 10_000, 'the message on the drained broker was still consumed');
    expect(got).toEqual(['redis']);
    expect((await ballast.publish(topic, {}).catch((e: Error) => e)) instanceof Error).toBe(true);
    expect((await call('PATCH', '/brokers/nats', { drain: false })).body).toMatchObject({ state: 'up' });
    expect((await ballast.publish(topic, {})).broker).toBe('nats');
    const audit = (await call('GET', '/audit')).body.entries as { actor: string; action: string; target: string; before: unknown; after: unknown }[];
    expect(audit.filter((e) => e.actor === 'ops').map(({ action, target, before, after }) => ({ action, target, before, after }))).toEqual([
      { action: 'broker.drain', target: 'nats', before: { drain: true }, after: { drain: false } },
      { action: 'broker.drain', target: 'redis', before: { drain: false }, after: { drain: true } },
    ]);
  });

  it('PATCH /brokers/:name refuses what it cannot do and changes nothing', async () => {
    const { ballast, call } = await open();
    expect((await call('PATCH', '/brokers/kafka', { drain: true })).status).toBe(404);
    const invalid = await call('PATCH', '/brokers/redis', { drain: 'yes' });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ error: 'invalid', field: 'drain' });
    expect((await call('PATCH', '/brokers/redis', { drain: true, extra: 1 })).body).toMatchObject({ field: 'extra' });
    expect((await call('PATCH', '/brokers/redis', { drain: true }, READ)).status).toBe(403);
    expect(ballast.messaging.views().redis?.state).toBe('up');
    expect(ballast.audit.recent()).toEqual([]);
  });

  it('GET /subscriptions and /subscriptions/dead report each topic and group', async () => {
    const { ballast, call } = await open();
    const topic = uniqueTopic();
    const group = uniqueGroup();
    const subscription = ballast.subscribe(topic, { group, maxAttempts: 1 }, (m) => {
      if (m.fail === true) throw new Error('refused');
    });
    await subscription.ready();
    await ballast.publish(topic, { fail: false });
    const { id } = await ballast.publish(topic, { fail: true });
    await until(() => subscription.stats().handled === 1 && subscription.stats().dead === 1, 10_000, 'one handled, one dead');
    expect((await call('GET', '/subscriptions')).body).toEqual({
      subscriptions: [{ topic, group, dedupe: 'memory', handled: 1, retried: 0, dead: 1, duplicates: 0 }],
    });
    expect((await call('GET', '/subscriptions/dead')).body).toEqual({
      dead: [expect.objectContaining({ id, topic, group, reason: 'handler', error: 'refused', attempts: 1, message: { fail: true } })],
    });
  });

  it('shows each broker on /health and in /metrics', async () => {
    const { ballast, call } = await open();
    const topic = uniqueTopic();
    const group = uniqueGroup();
    const subscription = ballast.subscribe(topic, { group }, () => {});
    await subscription.ready();
    ballast.messaging.drain('rabbit', true);
    const id = (await ballast.publish(topic, { n: 1 })).id;
    await ballast.messaging.publish(topic, { n: 1 }, id);
    await until(() => subscription.stats().handled + subscription.stats().duplicates === 2, 10_000, 'both copies delivered');
    const health = await call('GET', '/health');
    expect(health.status).toBe(200);
    const checks = health.body.checks as Record<string, { status: string; output: string }[]>;
    expect(checks['broker:redis']?.[0]).toMatchObject({ status: 'pass', output: 'up' });
    expect(checks['broker:rabbit']?.[0]).toMatchObject({ status: 'pass', output: 'draining' });
    const metrics = (await call('GET', '/metrics')).text;
    expect(metrics).toContain('ballast_broker_up{broker="redis",type="redis-streams"} 1');
    const published = [...metrics.matchAll(/^ballast_broker_published_total\{broker="(\w+)",type="[\w-]+"\} (\d+)$/gm)];
    expect(published.map((m) => m[1]).sort()).toEqual(['nats', 'rabbit', 'redis']);
    expect(published.reduce((n, m) => n + Number(m[2]), 0)).toBe(2);
    expect(metrics).toContain(`ballast_subscribe_handled_total{topic="${topic}",group="${group}",outcome="handled"} 1`);
    expect(metrics).toContain(`ballast_subscribe_duplicates_total{topic="${topic}",group="${group}"} 1`);
  });
});
