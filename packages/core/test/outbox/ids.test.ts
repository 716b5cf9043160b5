import { describe, expect, it } from 'vitest';
import { uuidv7 } from '@ballast/core';
import { uuidv7At } from '../../src/outbox/ids.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7', () => {
  it('is a version 7 UUID whose first 48 bits are the given milliseconds', () => {
    for (const ms of [0, 1, 0xfff_ffff_ffff, Date.UTC(2026, 10, 29, 8, 0, 0, 123)]) {
      const id = uuidv7At(ms);
      expect(id).toMatch(UUID_V7);
      expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(ms);
    }
  });

  it('draws fresh random bits for every id, across refills of the random pool, and sorts by time', () => {
    const before = Date.now();
    const ids = Array.from({ length: 2000 }, () => uuidv7());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(UUID_V7);
      expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBeGreaterThanOrEqual(before);
    }
    // Ids of one millisecond share their time digits and nothing after them.
    const [a, b] = [uuidv7At(42), uuidv7At(42)];
    expect(a.slice(0, 14)).toBe(b.slice(0, 14));
    expect(a.slice(14)).not.toBe(b.slice(14));
    expect(uuidv7At(41) < uuidv7At(42) && uuidv7At(42) < uuidv7At(43)).toBe(true);
  });

  it('uses every random digit: each position takes many values', () => {
    const ids = Array.from({ length: 512 }, () => uuidv7At(7));
    for (const position of [15, 16, 17, 20, 21, 22, 24, 30, 35]) {
      expect(new Set(ids.map((id) => id[position])).size).toBeGreaterThan(8);
    }
    expect(new Set(ids.map((id) => id[19]))).toEqual(new Set(['8', '9', 'a', 'b']));
  });
});
