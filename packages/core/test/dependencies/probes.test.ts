import { afterEach, describe, expect, it } from 'vitest';
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
    // The probe is still pending when the read answers: the read did not wait for it.
    expect(await dep.execute(hanging, { fallback: () => 'fallback' })).toEqual({ value: 'fallback', source: 'fallback' });
    expect(reached).toBe(1);
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
