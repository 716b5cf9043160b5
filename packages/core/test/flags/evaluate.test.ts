import { describe, expect, it } from 'vitest';
import { createBallast, flagBucket, isBallastConfigError, isUnknownFlagError, type BallastOptions } from '@ballast/core';

const fails = (options: unknown): { field: string; message: string } => {
  try {
    createBallast(options as BallastOptions);
  } catch (error) {
    if (!isBallastConfigError(error)) throw error;
    return { field: error.field, message: error.message };
  }
  throw new Error('createBallast did not throw');
};

/** A key whose bucket for `flag` is (or is not) within `percent`. */
function keyWhere(flag: string, within: (bucket: number) => boolean): string {
  for (let i = 0; ; i++) if (within(flagBucket(flag, `k${i}`))) return `k${i}`;
}

describe('flag evaluation', () => {
  it('follows the ring order: internal 100 is on for internal only', () => {
    const { flags } = createBallast({ flags: { f: { stage: 'internal' } } });
    expect(flags.enabled('f', { stage: 'internal' })).toBe(true);
    expect(flags.enabled('f', { stage: 'beta' })).toBe(false);
    expect(flags.enabled('f', { stage: 'all' })).toBe(false);
    expect(flags.enabled('f')).toBe(false); // the instance's ring defaults to 'all'
  });

  it('beta 10 is on for internal and a sticky tenth of beta, and off for all', () => {
    const { flags } = createBallast({ flags: { f: { stage: 'beta', percent: 10 } } });
    const inside = keyWhere('f', (b) => b <= 10);
    const outside = keyWhere('f', (b) => b > 10);
    expect(flags.enabled('f', { stage: 'internal', key: outside })).toBe(true);
    for (let i = 0; i < 20; i++) {
      expect(flags.enabled('f', { stage: 'beta', key: inside })).toBe(true);
      expect(flags.enabled('f', { stage: 'beta', key: outside })).toBe(false);
    }
    expect(flags.enabled('f', { stage: 'all', key: inside })).toBe(false);
  });

  it('all 100 is on everywhere, including a ring not in stages; off is off everywhere', () => {
    const { flags } = createBallast({ flags: { on: { stage: 'all' }, off: { stage: 'off' }, wide: { stage: 'all', percent: 0 } } });
    for (const stage of ['internal', 'beta', 'all', 'canary']) {
      expect(flags.enabled('on', { stage })).toBe(true);
      expect(flags.enabled('off', { stage })).toBe(false);
    }
    expect(flags.enabled('wide', { stage: 'beta' })).toBe(true);
    expect(flags.enabled('wide', { stage: 'canary' })).toBe(false);
  });

  it('uses the instance ring by default and custom rings in order', () => {
    const { flags } = createBallast({ stage: 'canary', rollout: { stages: ['dev', 'canary', 'prod'] }, flags: { f: { stage: 'canary' } } });
    expect(flags.enabled('f')).toBe(true);
    expect(flags.enabled('f', { stage: 'prod' })).toBe(false);
    expect(flags.enabled('f', { stage: 'dev' })).toBe(true);
  });

  it('explains each decision with a reason', () => {
    const { flags } = createBallast({ flags: { f: { stage: 'beta', percent: 10 }, off: { stage: 'off' } } });
    expect(flags.evaluate('f', { stage: 'internal' })).toMatchObject({ value: true, reason: 'ring-on', ring: 'internal', state: { stage: 'beta', percent: 10 } });
    expect(flags.evaluate('f', { stage: 'all' })).toMatchObject({ value: false, reason: 'ring-off' });
    const inside = keyWhere('f', (b) => b <= 10);
    expect(flags.evaluate('f', { stage: 'beta', key: inside })).toMatchObject({ value: true, reason: 'bucket', bucket: flagBucket('f', inside) });
    expect(flags.evaluate('off')).toMatchObject({ value: false, reason: 'disabled' });
  });

  it('without a key, draws a random bucket each time', () => {
    const { flags } = createBallast({ flags: { f: { stage: 'beta', percent: 50 } } });
    const results = new Set(Array.from({ length: 200 }, () => flags.enabled('f', { stage: 'beta' })));
    expect(results).toEqual(new Set([true, false]));
  });

  it('throws UnknownFlagError for an undeclared flag', () => {
    const { flags } = createBallast({});
    let caught: unknown;
    try {
      flags.enabled('nope');
    } catch (error) {
      caught = error;
    }
    expect(isUnknownFlagError(caught)).toBe(true);
    expect((caught as { code: string }).code).toBe('BALLAST_UNKNOWN_FLAG');
  });

  it('answers each flag for its own name when names alternate, and still throws for an undeclared one after a known one', () => {
    const { flags } = createBallast({ flags: { on: { stage: 'all' }, off: { stage: 'off' } } });
    for (let i = 0; i < 3; i++) {
      expect(flags.enabled('on')).toBe(true);
      expect(flags.enabled('off')).toBe(false);
    }
    expect(flags.enabled('off')).toBe(false);
    expect(() => flags.enabled('nope')).toThrow(expect.objectContaining({ code: 'BALLAST_UNKNOWN_FLAG' }));
    expect(flags.enabled('on')).toBe(true);
  });

  it('counts evaluations per ring', () => {
    const { flags } = createBallast({ flags: { f: { stage: 'internal' } } });
    flags.enabled('f', { stage: 'internal' });
    flags.enabled('f', { stage: 'beta' });
    flags.enabled('f', { stage: 'beta' });
    expect(flags.view('f').evaluations).toEqual({ internal: { on: 1, off: 0 }, beta: { on: 0, off: 2 }, all: { on: 0, off: 0 } });
  });
});

describe('flag options', () => {
  it.each([
    [{ flags: { f: { percent: 10 } } }, 'flags.f.stage'],
    [{ flags: { f: { stage: 'gamma' } } }, 'flags.f.stage'],
    [{ flags: { f: { stage: 'beta', percent: 101 } } }, 'flags.f.percent'],
    [{ flags: { f: { stage: 'beta', percnt: 10 } } }, 'flags.f.percnt'],
    [{ flags: { f: { stage: 'beta', guard: 'p99(latency) < ' } } }, 'flags.f.guard'],
    [{ flags: { f: { stage: 'beta', guardWindowMs: -1 } } }, 'flags.f.guardWindowMs'],
    [{ flags: { f: { stage: 'beta', steps: [{ stage: 'all' }, { stage: 'beta' }] } } }, 'flags.f.steps.1'],
    [{ rollout: { stages: ['a', 'a'] } }, 'rollout.stages'],
    [{ rollout: { stages: ['a', 'off'] } }, 'rollout.stages.1'],
    [{ rollout: { cohort: 'x-account' } }, 'rollout.cohort'],
    [{ stage: 3 }, 'stage'],
  ])('%j throws naming %s', (options, field) => {
    expect(fails(options).field).toBe(field);
  });
});
