import { describe, expect, it } from 'vitest';
import { DeliveryError, PermanentDeliveryError, type Deliver } from '@ballast/core';
import { testBackends } from '@ballast/testkit';
import { outboxSuite } from './setup.js';
import { collect, nextEvent } from './events.js';

const count = (body: string, outcome: string): number => {
  const line = new RegExp(`^ballast_outbox_delivery_duration_seconds_count\\{destination="billing",outcome="${outcome}"\\} (\\d+)$`, 'm');
  return Number(line.exec(body)?.[1] ?? 0);
};

describe.each(testBackends())('delivery durations (%s)', (backend) => {
  const suite = outboxSuite(backend);

  it('reports each attempt duration on delivered, retry and dead, and the histogram counts them', async () => {
    const seen = new Map<string, number>();
    // 'flaky' fails its first attempt, 'poison' is refused for good, everything else is accepted.
    const deliver: Deliver = async (message) => {
      const { kind } = message.payload as { kind: string };
      seen.set(kind, (seen.get(kind) ?? 0) + 1);
      if (kind === 'poison') throw new PermanentDeliveryError('rejected');
      if (kind === 'flaky' && seen.get(kind) === 1) throw new DeliveryError('try again');
    };
    const { ballast } = await suite.start({ destinations: { billing: { deliver } } });
    const events = [collect(ballast, 'outbox:delivered'), collect(ballast, 'outbox:retry'), collect(ballast, 'outbox:dead')];
    const dead = nextEvent(ballast, 'outbox:dead');
    const flakyDelivered = nextEvent(ballast, 'outbox:delivered', (e) => e.attempt === 2);
    await ballast.outbox.enqueue('billing', { kind: 'poison' });
    await ballast.outbox.enqueue('billing', { kind: 'flaky' });
    await Promise.all([dead, flakyDelivered]);
    for (const list of events) list.stop();
    const [delivered, retries, buried] = events;
    expect([delivered?.length, retries?.length, buried?.length]).toEqual([1, 1, 1]);
    for (const e of events.flat()) {
      expect(Number.isFinite(e.durationMs)).toBe(true);
      expect(e.durationMs).toBeGreaterThanOrEqual(0);
    }
    const { body } = await ballast.metrics.text();
    expect([count(body, 'delivered'), count(body, 'retry'), count(body, 'dead')]).toEqual([1, 1, 1]);
    expect(body).toMatch(/^ballast_outbox_delivery_duration_seconds_bucket\{destination="billing",outcome="delivered",le="\+Inf"\} 1$/m);
  });

  it('times a direct-first delivery too', async () => {
    const { ballast } = await suite.start({ destinations: { billing: { deliver: async () => {} } } });
    const delivered = nextEvent(ballast, 'outbox:delivered');
    expect(await ballast.outbox.desync('billing', { n: 1 }, { mode: 'direct-first' })).toMatchObject({ status: 'delivered' });
    expect((await delivered).durationMs).toBeGreaterThanOrEqual(0);
    expect(count((await ballast.metrics.text()).body, 'delivered')).toBe(1);
  });
});
