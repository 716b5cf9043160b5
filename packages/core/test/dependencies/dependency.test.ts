import { afterEach, describe, expect, it } from 'vitest';
import {
  createBallast,
  isBallastConfigError,
  isDependencyOpenError,
  isDependencyTimeoutError,
  isInvalidSettingsError,
  type Ballast,
  type BallastOptions,
} from '@ballast/core';
import { until } from '@ballast/testkit';

const boom = (): Promise<never> => Promise.reject(new Error('boom'));

describe('degraded reads outside a request', () => {
  let ballast: Ballast | undefined;
  const make = (options: BallastOptions): Ballast => (ballast = createBallast(options));
  afterEach(async () => {
    await ballast?.stop();
    ballast = undefined;
  });

  it('aborts the call with a DependencyTimeoutError once timeoutMs passes, and answers with the fallback', async () => {
    const b = make({ dependencies: { slow: { timeoutMs: 20 } } });
    let seen: AbortSignal | undefined;
    const value = await b.dependency('slow').read(
      (signal) =>
        new Promise<string>((_, reject) => {
          seen = signal;
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
      { fallback: (error) => (isDependencyTimeoutError(error) ? 'fallback after timeout' : 'wrong reason') },
    );
    expect(value).toBe('fallback after timeout');
    expect(seen?.aborted).toBe(true);
    expect(isDependencyTimeoutError(seen?.reason)).toBe(true);
    expect(b.dependencies.view('slow').stats).toMatchObject({ calls: 1, timeouts: 1, fallbacks: 1, inFlight: 0 });
  });

  it('gives a function that declares no parameter a signal that never fires', async () => {
    const b = make({ dependencies: { fast: { timeoutMs: 50 } } });
    const signal = await b.dependency('fast').read((...args: unknown[]) => args[0] as AbortSignal);
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal.aborted).toBe(false);
  });

  it('passes an error the errorFilter accepts to the caller unchanged, without counting it or using the fallback', async () => {
    class NotFound extends Error {
      status = 404;
    }
    const b = make({
      dependencies: { users: { volumeThreshold: 1, errorFilter: (e) => e instanceof NotFound } },
    });
    const missing = new NotFound('no such user');
    await expect(b.dependency('users').read(() => Promise.reject(missing), { fallback: () => 'guest' })).rejects.toBe(missing);
    expect(b.dependencies.view('users')).toMatchObject({ state: 'closed', stats: { filtered: 1, failures: 0, fallbacks: 0 } });
  });

  it('serves the last good value before the fallback, and the fallback for keys it never saw', async () => {
    const b = make({ dependencies: { profiles: { volumeThreshold: 1 } } });
    const profiles = b.dependency('profiles');
    await profiles.read(() => ({ name: 'Ada' }), { cacheKey: 'p:1' });
    const stale = await profiles.execute(boom, { cacheKey: 'p:1', fallback: () => ({ name: 'guest' }) });
    expect(stale).toEqual({ value: { name: 'Ada' }, source: 'stale' });
    expect(profiles.state).toBe('open');
    const other = await profiles.execute(boom, { cacheKey: 'p:2', fallback: () => ({ name: 'guest' }) });
    expect(other).toEqual({ value: { name: 'guest' }, source: 'fallback' });
    expect(profiles.stats).toMatchObject({ calls: 2, rejected: 1, stale: 1, fallbacks: 1 });
    expect(profiles.degraded).toBe(2);
  });

  it('throws DependencyOpenError without calling when the breaker is open and nothing can answer', async () => {
    const b = make({ dependencies: { profiles: { force: 'open' } } });
    let called = false;
    const read = b.dependency('profiles').read(() => {
      called = true;
      return 1;
    });
    await expect(read).rejects.toSatisfy(isDependencyOpenError);
    expect(called).toBe(false);
  });

  it('retunes without losing the state or the counters, and records the change', async () => {
    const b = make({ dependencies: { profiles: { volumeThreshold: 2, resetTimeoutMs: 60_000 } } });
    const opened: string[] = [];
    b.events.on('breaker:opened', (e) => opened.push(e.name));
    const profiles = b.dependency('profiles');
    const slowBoom = (): Promise<never> => new Promise((_, reject) => setTimeout(() => reject(new Error('boom')), 5));
    await profiles.read(slowBoom, { fallback: () => null });
    await profiles.read(slowBoom, { fallback: () => null });
    expect(opened).toEqual(['profiles']);
    const latencyBefore = b.dependencies.view('profiles').stats.latencyMs;
    expect(latencyBefore.mean).toBeGreaterThan(0);
    const view = b.dependencies.update('profiles', { timeoutMs: 250, errorThresholdPercentage: 90 }, { actor: 'ops' });
    expect(view).toMatchObject({ state: 'open', version: 2, settings: { timeoutMs: 250, errorThresholdPercentage: 90 } });
    expect(view.stats).toMatchObject({ calls: 2, failures: 2, window: { calls: 2, failures: 2 } });
    expect(view.stats.latencyMs).toEqual(latencyBefore); // opossum's window, carried into the new breaker
    expect(b.audit.recent(1)[0]).toMatchObject({ actor: 'ops', action: 'dependency.update', target: 'profiles' });
    await profiles.read(() => 'live', { fallback: () => 'fallback' }).then((v) => expect(v).toBe('fallback'));
  });

  it('rejects the read when its fallback fails, thrown or rejected, without counting a fallback; awaits a fallback that returns a promise', async () => {
    const b = make({ dependencies: { profiles: { volumeThreshold: 1, resetTimeoutMs: 600_000 } } });
    const profiles = b.dependency('profiles');
    await profiles.read(boom, { fallback: () => null });
    expect(profiles.state).toBe('open');
    const thrown = new Error('fallback threw');
    const rejected = new Error('fallback rejected');
    let read: Promise<unknown> | undefined;
    // A fallback that throws must turn into a rejected read, never a synchronous throw.
    expect(() => (read = profiles.read(boom, { fallback: () => { throw thrown; } }))).not.toThrow();
    await expect(read).rejects.toBe(thrown);
    await expect(profiles.read(boom, { fallback: () => Promise.reject(rejected) })).rejects.toBe(rejected);
    expect(profiles.stats).toMatchObject({ rejected: 2, fallbacks: 1 });
    await expect(profiles.execute(boom, { fallback: async () => 'later' })).resolves.toEqual({ value: 'later', source: 'fallback' });
    await expect(profiles.read(boom, { fallback: () => 'now' })).resolves.toBe('now');
    expect(profiles.stats).toMatchObject({ rejected: 4, fallbacks: 3 });
  });

  it('emits and logs every transition with its reason', async () => {
    const logged: string[] = [];
    const log = (level: string) => (obj: object, msg?: string) => logged.push(`${level} ${msg ?? ''}`);
    const b = make({
      dependencies: { profiles: { volumeThreshold: 1, resetTimeoutMs: 1 } },
      logger: { info: log('info'), warn: log('warn'), error: log('error') },
    });
    const seen: string[] = [];
    b.events.on('breaker:opened', (e) => seen.push(`opened:${e.reason}:${e.window.failures}/${e.window.calls}`));
    b.events.on('breaker:half-open', (e) => seen.push(`half-open:${e.reason}`));
    b.events.on('breaker:closed', (e) => seen.push(`closed:${e.reason}`));
    const profiles = b.dependency('profiles');
    await profiles.read(boom, { fallback: () => null });
    await until(() => profiles.state === 'half-open');
    await profiles.read(() => 'ok');
    expect(seen).toEqual(['opened:threshold:1/1', 'half-open:reset_timeout', 'closed:probe_succeeded']);
    expect(logged).toEqual([
      'warn ballast: breaker "profiles" opened',
      'info ballast: breaker "profiles" half-open',
      'info ballast: breaker "profiles" closed',
    ]);
  });

  it('rejects an invalid retune naming the field and changes nothing', () => {
    const b = make({ dependencies: { profiles: { timeoutMs: 300 } } });
    const attempt = (patch: unknown): string => {
      try {
        b.dependencies.update('profiles', patch);
      } catch (error) {
        if (isInvalidSettingsError(error)) return error.field;
      }
      return 'accepted';
    };
    expect(attempt({ timeoutMs: 0 })).toBe('timeoutMs');
    expect(attempt({ force: 'sideways' })).toBe('force');
    expect(attempt({ rollingWindowMs: 100, rollingBuckets: 50 })).toBe('rollingBuckets');
    expect(attempt({ timeoutMs: 500, bogus: 1 })).toBe('bogus');
    expect(b.dependencies.view('profiles')).toMatchObject({ version: 1, settings: { timeoutMs: 300 } });
    expect(b.audit.recent()).toHaveLength(0);
  });

  it('throws at construction naming the offending field', () => {
    const field = (options: unknown): string | undefined => {
      try {
        createBallast(options as BallastOptions).stop();
      } catch (error) {
        if (isBallastConfigError(error)) return error.field;
      }
      return undefined;
    };
    expect(field({ dependencies: { profiles: { volumeThreshold: -1 } } })).toBe('dependencies.profiles.volumeThreshold');
    expect(field({ dependencies: { profiles: { errorFilter: 'yes' } } })).toBe('dependencies.profiles.errorFilter');
    expect(field({ dependencies: { profiles: 5 } })).toBe('dependencies.profiles');
    expect(field({ dependencies: [] })).toBe('dependencies');
  });
});
