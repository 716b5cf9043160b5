import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createBallast, flagBucket } from '@ballast/core';

// unleash-client's own normalisation, the function its flexible rollout strategy calls.
const require = createRequire(import.meta.url);
const { normalizedStrategyValue } = require('unleash-client/lib/strategy/util.js') as {
  normalizedStrategyValue(id: string, groupId: string): number;
};

/** A small deterministic generator, so a failure can be replayed. */
function ids(seed: number): () => string {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state ^ (state >>> 15), 2246822507) + 0x6d2b79f5) >>> 0;
    return `acct-${state.toString(36)}-${(state % 9973).toString(16)}`;
  };
}

describe('sticky buckets', () => {
  it('match unleash-client normalizedValue (groupId = flag name) over 100k random ids', () => {
    const next = ids(42);
    const flags = ['newCheckout', 'f', 'search-v2', 'ünïcode'];
    let mismatches = 0;
    for (let i = 0; i < 100_000; i++) {
      const id = i % 10 === 0 ? randomUUID() : next();
      const flag = flags[i % flags.length] as string;
      if (flagBucket(flag, id) !== normalizedStrategyValue(id, flag)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it.each([1, 10, 50, 99])('over 1M random keys, %i percent turns on for that share (within 0.3 points)', (percent) => {
    const ballast = createBallast({ flags: { rollout: { stage: 'beta', percent } } });
    const next = ids(percent);
    let on = 0;
    const n = 1_000_000;
    for (let i = 0; i < n; i++) if (ballast.flags.enabled('rollout', { stage: 'beta', key: next() })) on++;
    expect(Math.abs((on / n) * 100 - percent)).toBeLessThanOrEqual(0.3);
  });
});
