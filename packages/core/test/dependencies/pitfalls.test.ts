import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBallast, type Ballast, type DependencySettingsInput } from '@ballast/core';

/**
 * The half-open pitfalls users reported against opossum, replayed through the
 * whole stack (state machine + opossum executor) on fake timers.
 */
describe('breaker pitfalls reported against opossum', () => {
  let ballast: Ballast | undefined;
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(async () => {
    await ballast?.stop();
    ballast = undefined;
    vi.useRealTimers();
  });

  const dependency = (settings: DependencySettingsInput) => {
    ballast = createBallast({ dependencies: { dep: { timeoutMs: 1000, resetTimeoutMs: 5000, ...settings } } });
    return ballast.dependency('dep');
  };
  const fallback = { fallback: () => 'fallback' };
  const fail = (): Promise<never> => Promise.reject(new Error('down'));

  it('goes half-open after concurrent failures (they must not cancel the reset and leave it open for ever)', async () => {
    const dep = dependency({ volumeThreshold: 5 });
    const rejects: ((e: Error) => void)[] = [];
    const reads = Array.from({ length: 12 }, () =>
      dep.read(() => new Promise<string>((_, reject) => rejects.push(reject)), fallback),
    );
    await vi.advanceTimersByTimeAsync(10);
    for (const reject of rejects) reject(new Error('down'));
    await Promise.all(reads);
    expect(dep.state).toBe('open');
    await vi.advanceTimersByTimeAsync(5000);
    expect(dep.state).toBe('half-open');
    let probed = 0;
    // With a fallback the probe runs detached: the read answers at once, the probe decides.
    expect(await dep.read(() => (probed++, 'live'), fallback)).toBe('fallback');
    await vi.advanceTimersByTimeAsync(0);
    expect(probed).toBe(1);
    expect(dep.state).toBe('closed');
  });

  it('does not lock half-open when the window has fallen below volumeThreshold', async () => {
    const dep = dependency({ volumeThreshold: 5, rollingWindowMs: 1000 });
    for (let i = 0; i < 5; i++) await dep.read(fail, fallback);
    expect(dep.state).toBe('open');
    await vi.advanceTimersByTimeAsync(5000); // the window is long empty now
    expect(dep.stats.window.calls).toBe(0);
    await dep.read(fail, fallback); // the (detached) probe fails with 1 call in the window, far below 5
    await vi.advanceTimersByTimeAsync(0);
    expect(dep.state).toBe('open');
    await vi.advanceTimersByTimeAsync(5000);
    expect(await dep.read(() => 'live')).toBe('live'); // no fallback: the probe rides on the read
    expect(dep.state).toBe('closed');
  });

  it('does not trip on a single failure after an idle period', async () => {
    const dep = dependency({ volumeThreshold: 5, rollingWindowMs: 10_000 });
    for (let i = 0; i < 20; i++) await dep.read(() => 'live', fallback);
    for (let i = 0; i < 4; i++) await dep.read(fail, fallback);
    await vi.advanceTimersByTimeAsync(60_000);
    await dep.read(fail, fallback);
    expect(dep.state).toBe('closed');
    expect(dep.stats.window).toEqual({ calls: 1, failures: 1 });
  });

  it('lets only halfOpenMaxProbes calls reach the dependency while half-open, even under concurrency', async () => {
    const dep = dependency({ volumeThreshold: 1, halfOpenMaxProbes: 2 });
    await dep.read(fail, fallback);
    await vi.advanceTimersByTimeAsync(5000);
    let reached = 0;
    const hang = (): Promise<string> => (reached++, new Promise<string>(() => {}));
    const reads = Array.from({ length: 20 }, () => dep.read(hang, fallback));
    await vi.advanceTimersByTimeAsync(0);
    expect(reached).toBe(2);
    await vi.advanceTimersByTimeAsync(1000); // both probes time out
    expect(await Promise.all(reads)).toEqual(Array.from({ length: 20 }, () => 'fallback'));
    expect(dep.state).toBe('open');
    expect(dep.stats).toMatchObject({ timeouts: 2, rejected: 18, inFlight: 0 });
  });

  it('is not closed by a late success of a call started before it opened', async () => {
    const dep = dependency({ volumeThreshold: 2, timeoutMs: 60_000 });
    let finishSlow: (v: string) => void = () => {};
    const slow = dep.read(() => new Promise<string>((resolve) => (finishSlow = resolve)), fallback);
    await dep.read(fail, fallback);
    await dep.read(fail, fallback);
    expect(dep.state).toBe('open');
    await vi.advanceTimersByTimeAsync(5000);
    expect(dep.state).toBe('half-open');
    finishSlow('late');
    expect(await slow).toBe('late');
    expect(dep.state).toBe('half-open');
    let probed = 0;
    await dep.read(() => (probed++, 'live'));
    expect(probed).toBe(1);
  });
});
