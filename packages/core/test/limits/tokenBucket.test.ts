import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/limits/tokenBucket.js';

/** Rates are whole thousandths of a token per second, so the reference model counts in exact integers. */
type Step =
  | { gapMs: number; kind: 'arrive'; count: number }
  | { gapMs: number; kind: 'retune'; rateMilli: number; burst: number };

const rateMilli = fc.integer({ min: 1, max: 50_000 }); // 0.001 .. 50 per second
const burst = fc.integer({ min: 1, max: 30 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ gapMs: fc.integer({ min: 0, max: 3000 }), kind: fc.constant('arrive' as const), count: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ gapMs: fc.integer({ min: 0, max: 3000 }), kind: fc.constant('retune' as const), rateMilli, burst }) },
);
const scenario = fc.record({ rateMilli, burst, steps: fc.array(step, { maxLength: 60 }) });

/**
 * The reference: the textbook bucket in integer micro-tokens (1e-6 of a token).
 * A millisecond at `rateMilli` thousandths of a token per second adds exactly
 * `rateMilli` micro-tokens; the level never exceeds the capacity; a retune keeps
 * what accrued and cuts it to the new capacity.
 */
class ReferenceBucket {
  micro: number;
  constructor(
    public rateMilli: number,
    public burst: number,
  ) {
    this.micro = burst * 1e6;
  }
  elapse(ms: number): void {
    this.micro = Math.min(this.burst * 1e6, this.micro + ms * this.rateMilli);
  }
  take(): boolean {
    if (this.micro < 1e6) return false;
    this.micro -= 1e6;
    return true;
  }
  retune(rateMilli: number, burst: number): void {
    this.rateMilli = rateMilli;
    this.burst = burst;
    this.micro = Math.min(this.micro, burst * 1e6);
  }
}

interface Run {
  /** Time (ms) of every admission. */
  admittedAt: number[];
  /** Per arrival step: how many it admitted and the capacity then. */
  bursts: { admitted: number; capacity: number }[];
  maxRatePerSecond: number;
  maxBurst: number;
}

/** Drives the real bucket on an injected clock and checks every decision against the reference. */
function run(s: { rateMilli: number; burst: number; steps: Step[] }): Run {
  let now = 0;
  const bucket = new TokenBucket(s.rateMilli / 1000, s.burst, () => now);
  const reference = new ReferenceBucket(s.rateMilli, s.burst);
  const out: Run = { admittedAt: [], bursts: [], maxRatePerSecond: s.rateMilli / 1000, maxBurst: s.burst };
  for (const st of s.steps) {
    now += st.gapMs;
    reference.elapse(st.gapMs);
    if (st.kind === 'retune') {
      const before = bucket.tokens;
      bucket.retune(st.rateMilli / 1000, st.burst);
      reference.retune(st.rateMilli, st.burst);
      // A retune never mints a token.
      expect(bucket.tokens).toBeLessThanOrEqual(before);
      out.maxRatePerSecond = Math.max(out.maxRatePerSecond, st.rateMilli / 1000);
      out.maxBurst = Math.max(out.maxBurst, st.burst);
      continue;
    }
    let admitted = 0;
    for (let i = 0; i < st.count; i++) {
      const real = bucket.hasToken();
      if (real) bucket.spend();
      expect(real).toBe(reference.take());
      if (real) {
        admitted++;
        out.admittedAt.push(now);
      }
    }
    out.bursts.push({ admitted, capacity: bucket.capacity });
  }
  return out;
}

/** The largest count of admissions in any window [t_i, t_j] minus what the bound allows there. */
function worstExcess(admittedAt: number[], burst: number, ratePerSecond: number): number {
  let worst = -Infinity;
  for (let i = 0; i < admittedAt.length; i++) {
    for (let j = i; j < admittedAt.length; j++) {
      const count = j - i + 1;
      const allowed = burst + (ratePerSecond * ((admittedAt[j] as number) - (admittedAt[i] as number))) / 1000;
      worst = Math.max(worst, count - allowed);
    }
  }
  return worst;
}

describe('TokenBucket', () => {
  it('admits burst, not twice burst, after an idle period (rate 10/s, burst 10, idle 1.5 s, 40 at once)', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 10, () => now);
    now = 1500;
    let admitted = 0;
    for (let i = 0; i < 40; i++) {
      if (bucket.hasToken()) {
        bucket.spend();
        admitted++;
      }
    }
    expect(admitted).toBe(10);
  });

  it('decides exactly as the reference bucket for random arrivals and retunes, and never mints a token on a retune', () => {
    fc.assert(fc.property(scenario, (s) => void run(s)), { numRuns: 300 });
  });

  it('admits at most burst + rate x T in any interval of length T, and at most burst at one instant after any idle period', () => {
    const noRetunes = fc.record({ rateMilli, burst, steps: fc.array(step.filter((st) => st.kind === 'arrive'), { maxLength: 60 }) });
    fc.assert(
      fc.property(noRetunes, (s) => {
        const r = run(s);
        expect(worstExcess(r.admittedAt, s.burst, s.rateMilli / 1000)).toBeLessThanOrEqual(1e-9);
        for (const b of r.bursts) expect(b.admitted).toBeLessThanOrEqual(s.burst);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the interval bound across retunes, with the largest burst and rate the bucket had', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const r = run(s);
        expect(worstExcess(r.admittedAt, r.maxBurst, r.maxRatePerSecond)).toBeLessThanOrEqual(1e-9);
        for (const b of r.bursts) expect(b.admitted).toBeLessThanOrEqual(b.capacity);
      }),
      { numRuns: 300 },
    );
  });
});
