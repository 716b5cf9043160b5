import { describe, expect, it } from 'vitest';
import { LogHistogram, bucketHigh, bucketLow, bucketOf } from '../../src/observe/index.js';

describe('LogHistogram', () => {
  it('puts every value in a bucket whose bounds hold it, no wider than 1/16 of the value', () => {
    for (const value of [0, 1, 15, 16, 17, 31, 32, 1000, 49_999, 50_000, 123_456_789, 2 ** 32 - 1]) {
      const bucket = bucketOf(value);
      expect(bucketLow(bucket)).toBeLessThanOrEqual(value);
      expect(bucketHigh(bucket)).toBeGreaterThan(value);
      expect(bucketHigh(bucket) - bucketLow(bucket)).toBeLessThanOrEqual(Math.max(1, value / 16));
    }
  });

  it('answers quantiles within the bucket precision', () => {
    const h = new LogHistogram();
    for (let v = 1; v <= 10_000; v++) h.record(v * 10);
    for (const [q, exact] of [[0.5, 50_000], [0.9, 90_000], [0.99, 99_000], [0.999, 99_900]] as const) {
      const got = h.quantile(q) as number;
      expect(Math.abs(got - exact) / exact).toBeLessThan(0.04);
    }
    expect(new LogHistogram().quantile(0.99)).toBeUndefined();
  });

  it('merges by adding counts, so a window of slots equals one histogram of all samples', () => {
    const a = new LogHistogram();
    const b = new LogHistogram();
    const all = new LogHistogram();
    for (let i = 0; i < 500; i++) {
      const v = (i * 7919) % 100_000;
      (i % 2 === 0 ? a : b).record(v);
      all.record(v);
    }
    const merged = new LogHistogram();
    merged.add(a);
    merged.add(b);
    expect(merged.count).toBe(500);
    expect([...merged.counts]).toEqual([...all.counts]);
    merged.clear();
    expect(merged.count).toBe(0);
    expect(merged.quantile(0.5)).toBeUndefined();
  });
});
