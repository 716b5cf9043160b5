import { describe, expect, it } from 'vitest';
import type { Deliver, OutboundMessage } from '@ballast/core';
import { Latch, testBackends } from '@ballast/testkit';
import { outboxSuite } from './setup.js';
import { collect, nextEvent } from './events.js';

/** A deliver function that records every call and waits on `gate` before resolving. */
function gated(gate: Latch, options: { honourAbort: boolean }): Deliver & { calls: OutboundMessage[] } {
  const calls: OutboundMessage[] = [];
  const deliver = async (message: OutboundMessage, signal: AbortSignal): Promise<void> => {
    calls.push(message);
    const waiting = gate.wait();
    if (!options.honourAbort) return waiting;
    await Promise.race([
      waiting,
      new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error(`aborted: ${String(signal.reason)}`)))),
    ]);
  };
  return Object.assign(deliver, { calls });
}

const recorder = (): Deliver & { calls: OutboundMessage[] } => {
  const calls: OutboundMessage[] = [];
  return Object.assign(async (m: OutboundMessage) => void calls.push(m), { calls });
};

describe.each(testBackends())('outbox worker (%s)', (backend) => {
  const suite = outboxSuite(backend);

  it('reclaims a message whose lease expired; the worker that lost the lease cannot ack it', async () => {
    const stuck = new Latch();
    const slow = gated(stuck, { honourAbort: false });
    // One slot: A cannot re-claim the message itself while its first attempt hangs.
    const { ballast: a, schema } = await suite.start({ destinations: { d: { deliver: slow } }, worker: { leaseMs: 300, concurrency: 1 } });
    const delivered = collect(a, 'outbox:delivered');
    const m = await a.outbox.enqueue('d', { n: 1 });
    await stuck.arrivedAtLeast(1);

    const fast = recorder();
    const { ballast: b } = await suite.start({ schema, destinations: { d: { deliver: fast } } });
    const byB = nextEvent(b, 'outbox:delivered');
    expect((await byB).id).toBe(m.id);
    expect(fast.calls.map((c) => [c.idempotencyKey, c.attempt])).toEqual([[m.idempotencyKey, 2]]);

    stuck.open(); // worker A finally finishes its stale attempt
    await expect.poll(() => slow.calls.length).toBe(1);
    await a.stop();
    expect([...delivered]).toEqual([]);
    expect((await b.outbox.stats()).d).toMatchObject({ delivered: 1, pending: 0, inFlight: 0 });
    expect(await suite.rows(schema)).toEqual([]);
  });

  it('pauses a destination while its breaker is open, then resumes through one trial', async () => {
    let failing = true;
    const attempts: number[] = [];
    const deliver: Deliver = async (m) => {
      attempts.push(m.attempt);
      if (failing) throw new Error('downstream down');
    };
    const { ballast } = await suite.start({
      destinations: { d: { deliver, breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 500 } } },
      worker: { concurrency: 1, backoff: { baseMs: 1, maxMs: 2 } },
    });
    const open = nextEvent(ballast, 'outbox:breaker', (e) => e.state === 'open');
    const halfOpen = nextEvent(ballast, 'outbox:breaker', (e) => e.state === 'halfOpen');
    const closed = nextEvent(ballast, 'outbox:breaker', (e) => e.state === 'closed');
    const delivered = nextEvent(ballast, 'outbox:delivered');
    await ballast.outbox.enqueue('d', { n: 1 });
    await open;
    const attemptsWhenOpened = attempts.length;
    failing = false;
    await halfOpen;
    expect(attempts.length).toBe(attemptsWhenOpened); // nothing sent while open
    await closed;
    expect((await delivered).attempt).toBe(attemptsWhenOpened + 1);
  });

  it('leaves a paused destination alone until resumed, and audits both changes', async () => {
    const billing = recorder();
    const audit = recorder();
    const { ballast } = await suite.start({ destinations: { billing: { deliver: billing }, audit: { deliver: audit } } });
    await ballast.outbox.pause('billing');
    expect((await ballast.outbox.stats()).billing?.paused).toBe(true);
    await ballast.outbox.enqueue('billing', { n: 1 });
    await ballast.outbox.enqueue('audit', { n: 2 });
    await expect.poll(() => audit.calls.length).toBe(1);
    expect(billing.calls).toEqual([]);
    await ballast.outbox.resume('billing');
    await expect.poll(() => billing.calls.length).toBe(1);
    expect(ballast.audit.recent(2).map((e) => [e.action, e.target, e.after])).toEqual([
      ['outbox.resume', 'billing', { paused: false }],
      ['outbox.pause', 'billing', { paused: true }],
    ]);
  });

  it('restarts a crashed loop with an event, and keeps delivering afterwards', async () => {
    const deliver = recorder();
    const { ballast, schema } = await suite.start({ destinations: { d: { deliver } } });
    const crashed = nextEvent(ballast, 'worker:crashed');
    await suite.database().query(`ALTER TABLE ${schema}.outbox RENAME TO outbox_away`);
    expect(await crashed).toMatchObject({ worker: 'outbox' });
    const restarted = nextEvent(ballast, 'worker:restarted');
    await suite.database().query(`ALTER TABLE ${schema}.outbox_away RENAME TO outbox`);
    expect((await restarted).restarts).toBeGreaterThanOrEqual(1);
    await ballast.outbox.enqueue('d', { after: 'restart' });
    await expect.poll(() => deliver.calls.map((c) => c.payload)).toEqual([{ after: 'restart' }]);
  });

  it('on stop, releases leases of deliveries that do not finish in time, without counting the attempt', async () => {
    const gate = new Latch();
    const deliver = gated(gate, { honourAbort: true });
    const { ballast, schema } = await suite.start({ destinations: { d: { deliver } }, worker: { shutdownTimeoutMs: 50 } });
    await ballast.outbox.enqueue('d', { n: 1 });
    await gate.arrivedAtLeast(1);
    await ballast.stop();
    expect(await suite.rows(schema)).toMatchObject([{ state: 'pending', attempts: 0, locked_by: null }]);
  });

  it('on stop, lets a delivery that finishes in time complete', async () => {
    const gate = new Latch();
    const deliver = gated(gate, { honourAbort: true });
    const { ballast, schema } = await suite.start({ destinations: { d: { deliver } }, worker: { shutdownTimeoutMs: 10_000 } });
    await ballast.outbox.enqueue('d', { n: 1 });
    await gate.arrivedAtLeast(1);
    const stopping = ballast.stop();
    gate.open();
    await stopping;
    expect(await suite.rows(schema)).toEqual([]);
  });

  it('claims ahead of its free slots, and on stop gives the rows still queued back unattempted', async () => {
    const gate = new Latch();
    const deliver = gated(gate, { honourAbort: true });
    const { ballast, schema } = await suite.start({ destinations: { d: { deliver } }, worker: { concurrency: 1, batchSize: 10, shutdownTimeoutMs: 50 } });
    for (let i = 0; i < 6; i++) await ballast.outbox.enqueue('d', { i });
    await gate.arrivedAtLeast(1);
    gate.release(1); // the first finishes: the worker now knows deliveries are quick and claims ahead
    await gate.arrivedAtLeast(2);
    await expect.poll(async () => (await suite.rows(schema)).filter((r) => r.locked_by !== null).length).toBe(5);
    expect(deliver.calls).toHaveLength(2); // one slot: the other four wait in the local queue
    await ballast.stop();
    expect(await suite.rows(schema)).toMatchObject(Array.from({ length: 5 }, () => ({ state: 'pending', attempts: 0, locked_by: null })));
  });

  it('paces deliveries of a destination with ratePerSecond and still delivers everything', async () => {
    const deliver = recorder();
    const { ballast } = await suite.start({ destinations: { d: { deliver, ratePerSecond: 50 } } });
    for (let i = 0; i < 5; i++) await ballast.outbox.enqueue('d', { i });
    await expect.poll(() => deliver.calls.length).toBe(5);
  });
});
