import CircuitBreaker from 'opossum';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBallast, type Ballast, type Dependency } from '@ballast/core';
import { until } from '@ballast/testkit';

/** A call the test settles by hand: it stands for a dependency that hangs until told otherwise. */
function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(error: Error): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const boom = (): Promise<never> => Promise.reject(new Error('boom'));

/**
 * Half-open probes in real time, with small settings: a read that can be answered
 * without the dependency (a fallback, a last good value) never waits for a probe.
 */
describe('half-open probes never stall a read that has another answer', () => {
  let ballast: Ballast | undefined;
  afterEach(async () => {
    await ballast?.stop();
    ballast = undefined;
  });

  /** A breaker that opens on one failure and goes half-open 20 ms later; calls may hang for 10 s. */
  async function halfOpen(prime?: { cacheKey: string; value: string }): Promise<Dependency> {
    ballast = createBallast({ dependencies: { dep: { volumeThreshold: 1, resetTimeoutMs: 20, timeoutMs: 10_000 } } });
    const dep = ballast.dependency('dep');
    if (prime !== undefined) await dep.read(() => prime.value, { cacheKey: prime.cacheKey });
    await dep.read(boom, { fallback: () => 'fallback' });
    expect(dep.state).toBe('open');
    await until(() => dep.state === 'half-open', 5000, 'half-open');
    return dep;
  }

  it('answers the probing read with its fallback at once; only the probe reaches the dependency; a good probe closes', async () => {
    const dep = await halfOpen();
    const probe = deferred<string>();
    let reached = 0;
    const hanging = (): Promise<string> => (reached++, probe.promise);
    // The read answers before the probe even starts (the call's synchronous start is
    // not its to pay), and the probe is still pending long after: the read waited for neither.
    expect(await dep.execute(hanging, { fallback: () => 'fallback' })).toEqual({ value: 'fallback', source: 'fallback' });
    expect(reached).toBe(0);
    await until(() => reached === 1, 5000, 'the detached probe to start');
    expect(dep.stats.inFlight).toBe(1);
    const others = await Promise.all(Array.from({ length: 10 }, () => dep.read(hanging, { fallback: () => 'fallback' })));
    expect(others).toEqual(Array.from({ length: 10 }, () => 'fallback'));
    expect(reached).toBe(1);
    probe.resolve('live');
    await until(() => dep.state === 'closed', 5000, 'the good probe to close the breaker');
    expect(await dep.read(() => 'live again', { fallback: () => 'fallback' })).toBe('live again');
    expect(dep.stats).toMatchObject({ inFlight: 0, successes: 2, fallbacks: 12 });
  }, 10_000);

  it('answers with the last good value at once and refreshes it from a good probe', async () => {
    const dep = await halfOpen({ cacheKey: 'k', value: 'old' });
    const probe = deferred<string>();
    expect(await dep.execute(() => probe.promise, { cacheKey: 'k' })).toEqual({ value: 'old', source: 'stale' });
    expect(dep.state).toBe('half-open');
    probe.resolve('new');
    await until(() => dep.state === 'closed', 5000, 'the good probe to close the breaker');
    ballast!.dependencies.update('dep', { force: 'open' });
    expect(await dep.execute(boom, { cacheKey: 'k' })).toEqual({ value: 'new', source: 'stale' });
  }, 10_000);

  it('reopens on a bad detached probe, and calls nothing more until the next probe', async () => {
    const dep = await halfOpen();
    const probe = deferred<string>();
    let reached = 0;
    expect(await dep.read(() => (reached++, probe.promise), { fallback: () => 'fallback' })).toBe('fallback');
    // The probe starts on the next turn: reject only once it holds the promise, as a real call would.
    await until(() => reached === 1, 5000, 'the detached probe to start');
    probe.reject(new Error('still down'));
    await until(() => dep.state === 'open', 5000, 'the bad probe to reopen the breaker');
    expect(await dep.read(() => (reached++, 'live'), { fallback: () => 'fallback' })).toBe('fallback');
    expect(reached).toBe(1);
    expect(dep.stats).toMatchObject({ failures: 2, inFlight: 0 });
  }, 10_000);

  it('lets the probe ride on a read that has no fallback and no last good value', async () => {
    const dep = await halfOpen({ cacheKey: 'known', value: 'old' });
    const probe = deferred<string>();
    let answered = false;
    const read = dep.read(() => probe.promise, { cacheKey: 'unknown' }).then((v) => ((answered = true), v));
    await until(() => dep.stats.inFlight === 1, 5000, 'the probe to start');
    expect(answered).toBe(false);
    probe.resolve('live');
    expect(await read).toBe('live');
    expect(dep.state).toBe('closed');
  }, 10_000);
});

/**
 * Opossum's `stats` sorts every latency in its rolling window. Its failure path read
 * it on every failed call (and the breaker:opened event on every opening), which
 * with thousands of calls in the window cost a millisecond of event loop per failed
 * probe. Only an explicit `stats` read (metrics, the admin view) may walk it.
 */
describe("failed calls and openings never walk opossum's window", () => {
  let ballast: Ballast | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await ballast?.stop();
    ballast = undefined;
  });

  it('reads its statistics for none of: failures, filtered errors, timeouts, openings, failed probes', async () => {
    class NotFound extends Error {}
    ballast = createBallast({
      dependencies: { dep: { volumeThreshold: 20, resetTimeoutMs: 20, timeoutMs: 30, errorFilter: (e) => e instanceof NotFound } },
    });
    const dep = ballast.dependency('dep');
    const opened: unknown[] = [];
    ballast.events.on('breaker:opened', (e) => opened.push(e.window));
    for (let i = 0; i < 50; i++) await dep.read(() => 'live');
    const walks = vi.spyOn(CircuitBreaker.prototype, 'stats', 'get');
    await expect(dep.read(() => Promise.reject(new NotFound('no such user')))).rejects.toThrow('no such user');
    await dep.read(() => new Promise<string>(() => {}), { fallback: () => 'timed out' });
    for (let i = 0; i < 60 && dep.state === 'closed'; i++) await dep.read(boom, { fallback: () => 'fallback' });
    expect(dep.state).toBe('open');
    await until(() => dep.state === 'half-open', 5000, 'half-open');
    await dep.read(boom, { fallback: () => 'fallback' });
    await until(() => dep.state === 'open', 5000, 'the failed probe to reopen');
    expect(walks).not.toHaveBeenCalled();
    expect(dep.stats).toMatchObject({ filtered: 1, timeouts: 1 });
    // The events still carry the closed period's window, from the state machine.
    expect(opened).toHaveLength(2);
    expect(opened[0]).toMatchObject({ failures: expect.any(Number), calls: expect.any(Number) });
    expect((opened[0] as { failures: number }).failures).toBeGreaterThan(0);
  }, 10_000);
});
