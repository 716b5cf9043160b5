import { describe, expect, it } from 'vitest';
import { createBallast, isBallastConfigError, type BallastOptions } from '@ballast/core';

const fails = (options: unknown): { field: string; message: string } => {
  try {
    createBallast(options as BallastOptions);
  } catch (error) {
    if (!isBallastConfigError(error)) throw error;
    return { field: error.field, message: error.message };
  }
  throw new Error('createBallast did not throw');
};

describe('createBallast validation', () => {
  it.each([
    [{ limits: { search: { maxConcurrent: -1 } } }, 'limits.search.maxConcurrent', 'between 0 and 100000'],
    [{ limits: { search: { maxConcurrent: 100_001 } } }, 'limits.search.maxConcurrent', 'between 0 and 100000'],
    [{ limits: { search: { maxConcurrent: 2.5 } } }, 'limits.search.maxConcurrent', 'integer'],
    [{ limits: { search: {} } }, 'limits.search.maxConcurrent', 'got nothing'],
    [{ limits: { search: { maxConcurrent: 1, maxQueue: 100_001 } } }, 'limits.search.maxQueue', 'between 0 and 100000'],
    [{ limits: { search: { maxConcurrent: 1, queueTimeoutMs: 600_001 } } }, 'limits.search.queueTimeoutMs', 'between 0 and 600000'],
    [{ limits: { search: { maxConcurrent: 1, ratePerSecond: 0 } } }, 'limits.search.ratePerSecond', 'greater than 0'],
    [{ limits: { search: { maxConcurrent: 1, ratePerSecond: 2e6 } } }, 'limits.search.ratePerSecond', 'at most 1000000'],
    [{ limits: { search: { maxConcurrent: 1, ratePerSecond: Number.POSITIVE_INFINITY } } }, 'limits.search.ratePerSecond', 'number'],
    [{ limits: { search: { maxConcurrent: 1, burst: 0 } } }, 'limits.search.burst', 'between 1 and 1000000'],
    [{ limits: { search: { maxConcurrent: 1, maxQeue: 3 } } }, 'limits.search.maxQeue', 'unknown setting maxQeue'],
    // A typo of a required field names the typo, not only the missing field.
    [{ limits: { search: { maxConcurent: 3 } } }, 'limits.search.maxConcurent', 'unknown setting maxConcurent'],
    [{ dependencies: { profiles: { timeoutMS: 300 } } }, 'dependencies.profiles.timeoutMS', 'unknown setting timeoutMS'],
    [{ limits: { search: { maxConcurrent: Number.NaN } } }, 'limits.search.maxConcurrent', 'NaN'],
    [{ limit: {} }, 'limit', 'unknown setting limit'],
    [{ admin: { tokens: { ops: { secret: 'short', role: 'write' } } } }, 'admin.tokens.ops.secret', 'at least 16 characters'],
    [{ admin: { tokens: { ops: { secret: 'x'.repeat(16), role: 'admin' } } } }, 'admin.tokens.ops.role', '"read" or "write"'],
    [{ logger: console.log }, 'logger', 'pino-compatible'],
  ])('%j throws naming %s', (options, field, text) => {
    const error = fails(options);
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
    expect(error.message).toContain(text);
  });

  it('fills the documented defaults', () => {
    const ballast = createBallast({ limits: { api: { maxConcurrent: 3 } } });
    expect(ballast.limits.view('api').settings).toEqual({
      maxConcurrent: 3,
      maxQueue: 0,
      queueTimeoutMs: 1000,
      ratePerSecond: null,
      burst: null,
    });
  });

  it('refuses an unknown limit name when a gate is built, and a limit named twice', () => {
    const ballast = createBallast({ limits: { api: { maxConcurrent: 3 } } });
    expect(() => ballast.limits.gate(['nope'])).toThrow(/Unknown limit "nope"/);
    expect(() => ballast.limits.gate(['api', 'api'])).toThrow(/named twice/);
  });

  it('rejects an invalid programmatic retune and changes nothing', () => {
    const ballast = createBallast({ limits: { api: { maxConcurrent: 3 } } });
    expect(() => ballast.limits.update('api', { maxConcurrent: -5 })).toThrow(/maxConcurrent/);
    expect(() => ballast.limits.update('missing', { maxConcurrent: 5 })).toThrow(/Unknown limit/);
    expect(ballast.limits.view('api')).toMatchObject({ version: 1, settings: { maxConcurrent: 3 } });
    expect(ballast.audit.recent()).toHaveLength(0);
  });
});
