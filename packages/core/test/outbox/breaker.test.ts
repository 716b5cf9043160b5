import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeliveryError, PermanentDeliveryError } from '@ballast/core';
import { DestinationBreaker, type BreakerState } from '../../src/outbox/worker/breaker.js';

const settings = { errorThresholdPercentage: 50, volumeThreshold: 2, probeAfterMs: 1000, resetTimeoutMs: 10_000 };
const fail = (error: unknown) => () => Promise.reject(error);
const ok = () => Promise.resolve();
const serverError = new DeliveryError('HTTP 500', { httpStatus: 500 });

describe('destination breaker: probe backoff on the shared breaker machine (fake clock)', () => {
  let breaker: DestinationBreaker;
  let seen: BreakerState[];
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
    seen = [];
    breaker = new DestinationBreaker(settings, (s) => seen.push(s));
  });
  afterEach(() => {
    breaker.shutdown();
    vi.useRealTimers();
  });

  const open = async () => {
    for (let i = 0; i < 20 && breaker.state === 'closed'; i++) await breaker.fire(fail(serverError)).catch(() => {});
    expect(breaker.state).toBe('open');
  };
  /** Milliseconds until the breaker turns half-open (and tells the worker), in 10 ms steps. */
  const untilHalfOpen = async (): Promise<number> => {
    const before = seen.length;
    for (let ms = 10; ms <= 60_000; ms += 10) {
      await vi.advanceTimersByTimeAsync(10);
      if (seen.slice(before).includes('halfOpen')) return ms;
    }
    throw new Error('never half-open');
  };

  it('probes 1 s after opening, then waits 2, 4, 8 and at most 10 s after each failed probe', async () => {
    await open();
    const waits: number[] = [];
    for (let probe = 0; probe < 5; probe++) {
      waits.push(await untilHalfOpen());
      expect(breaker.allowance).toBe(1);
      await breaker.fire(fail(serverError)).catch(() => {});
      expect(breaker.state).toBe('open');
      expect(breaker.allowance).toBe(0);
    }
    waits.push(await untilHalfOpen());
    expect(waits.map((ms) => Math.round(ms / 100) * 100)).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('a probe answered 503 or 429 with Retry-After waits what the downstream asked', async () => {
    await open();
    await untilHalfOpen();
    await breaker.fire(fail(new DeliveryError('HTTP 503', { httpStatus: 503, retryAfterMs: 3500 }))).catch(() => {});
    expect(Math.round((await untilHalfOpen()) / 100) * 100).toBe(3500);
    await breaker.fire(fail(new DeliveryError('HTTP 429', { httpStatus: 429, retryAfterMs: 500 }))).catch(() => {});
    expect(Math.round((await untilHalfOpen()) / 100) * 100).toBe(500);
  });

  it('a successful probe closes it, and the next opening probes after 1 s again; a 4xx never counts as unwell', async () => {
    await open();
    await untilHalfOpen();
    await breaker.fire(fail(serverError)).catch(() => {});
    await untilHalfOpen();
    await breaker.fire(ok);
    expect(breaker.state).toBe('closed');
    for (let i = 0; i < 5; i++) await breaker.fire(fail(new PermanentDeliveryError('HTTP 400', { httpStatus: 400 }))).catch(() => {});
    expect(breaker.state).toBe('closed');
    await open();
    expect(Math.round((await untilHalfOpen()) / 100) * 100).toBe(1000);
  });

  it('refuses calls while open with a breaker refusal, and lets one probe at a time while half-open', async () => {
    await open();
    await expect(breaker.fire(ok)).rejects.toMatchObject({ code: 'EOPENBREAKER' });
    await untilHalfOpen();
    let finish!: () => void;
    const probe = breaker.fire(() => new Promise<void>((r) => (finish = r)));
    expect(breaker.allowance).toBe(0);
    await expect(breaker.fire(ok)).rejects.toMatchObject({ code: 'EOPENBREAKER' });
    finish();
    await probe;
    expect(breaker.state).toBe('closed');
  });
});
