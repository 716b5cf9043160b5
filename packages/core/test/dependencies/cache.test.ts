import { describe, expect, it } from 'vitest';
import { LastGoodCache, RollingWindow } from '@ballast/core';

describe('last good value cache', () => {
  it('evicts the least recently used entry beyond maxEntries', () => {
    const cache = new LastGoodCache(2, 1000);
    cache.set('a', 1, 0);
    cache.set('b', 2, 0);
    expect(cache.get('a', 0)).toMatchObject({ found: true, value: 1 });
    cache.set('c', 3, 0);
    expect(cache.get('b', 0).found).toBe(false);
    expect(cache.get('a', 0).found).toBe(true);
    expect(cache.size).toBe(2);
  });

  it('never serves a value older than maxAgeMs', () => {
    const cache = new LastGoodCache(10, 1000);
    cache.set('a', 'old', 0);
    expect(cache.get('a', 1000)).toEqual({ found: true, value: 'old', ageMs: 1000 });
    expect(cache.get('a', 1001).found).toBe(false);
    expect(cache.size).toBe(0);
  });

  it('applies smaller bounds at once and keeps nothing with maxEntries 0', () => {
    const cache = new LastGoodCache(3, 1000);
    for (const k of ['a', 'b', 'c']) cache.set(k, k, 0);
    cache.resize(1, 1000);
    expect(cache.size).toBe(1);
    expect(cache.get('c', 0).found).toBe(true);
    cache.resize(0, 1000);
    cache.set('d', 'd', 0);
    expect(cache.size).toBe(0);
  });
});

describe('rolling window', () => {
  it('forgets outcomes bucket by bucket as they age out', () => {
    const w = new RollingWindow(1000, 10, 0);
    w.record(false, 0);
    w.record(true, 550);
    expect(w.calls).toBe(2);
    w.rotate(1000);
    expect({ calls: w.calls, failures: w.failures }).toEqual({ calls: 1, failures: 0 });
    w.rotate(1600);
    expect(w.calls).toBe(0);
  });

  it('keeps its totals when resized', () => {
    const w = new RollingWindow(1000, 10, 0);
    w.record(false, 0);
    w.record(false, 10);
    const r = w.resized(5000, 5, 20);
    expect({ calls: r.calls, failures: r.failures }).toEqual({ calls: 2, failures: 2 });
  });
});
