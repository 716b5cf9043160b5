import { describe, expect, it } from 'vitest';
import { AssertSyntaxError, createBallast, isBallastConfigError, parseAssert } from '@ballast/core';

function configError(fn: () => unknown): { field: string; detail: string } {
  try {
    fn();
  } catch (error) {
    if (isBallastConfigError(error)) return { field: error.field, detail: error.detail };
    throw error;
  }
  throw new Error('expected a config error');
}

describe('assert expressions', () => {
  it('parses signal, arguments, operator, threshold and unit', () => {
    expect(parseAssert('p99(latency) < 50ms')).toMatchObject({ signal: 'p99', args: ['latency'], op: '<', threshold: 50, unit: 'ms' });
    expect(parseAssert(' p999( latency , "/items/:id" )>=1.5s ')).toMatchObject({ signal: 'p999', args: ['latency', '/items/:id'], op: '>=', threshold: 1.5, unit: 's' });
    expect(parseAssert('rate(requests) > 10/s')).toMatchObject({ signal: 'rate', op: '>', unit: '/s' });
    expect(parseAssert('error_rate <= 1%')).toMatchObject({ signal: 'error_rate', args: [], op: '<=', threshold: 1, unit: '%' });
    expect(parseAssert('active_connections > 10')).toMatchObject({ signal: 'active_connections', threshold: 10, unit: undefined });
  });

  it.each([
    ['p99(latency) 50ms', 14, 'expected one of <, <=, >, >='],
    ['p99(latency) < fast', 16, 'expected a number'],
    ['p99(latency) < 50 msec', 19, 'unknown unit'],
    ['p99(latency) < 50ms please', 21, 'unexpected text'],
    ['p99(latency < 50ms', 13, 'expected "," or ")"'],
    ['< 50ms', 1, 'expected a signal'],
    ['p99(latency) < 50h', 18, 'unknown unit'],
  ])('rejects %j at position %i', (expression, position, detail) => {
    let error: unknown;
    try {
      parseAssert(expression);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AssertSyntaxError);
    expect((error as AssertSyntaxError).position + 1).toBe(position);
    expect((error as AssertSyntaxError).message).toContain(detail);
  });

  it('fails construction naming the assert and the position', () => {
    const err = configError(() => createBallast({ asserts: { latency: 'p99(latency) <> 50ms' } }));
    expect(err.field).toBe('asserts.latency');
    expect(err.detail).toMatch(/at position 15: expected a number/);
  });

  it('fails construction for an unknown signal, limit, dependency or outbox destination, naming the assert', () => {
    expect(configError(() => createBallast({ asserts: { a: 'p1(latency) < 5ms' } }))).toMatchObject({ field: 'asserts.a' });
    expect(configError(() => createBallast({ asserts: { a: 'cpu < 5' } })).detail).toMatch(/unknown signal "cpu"/);
    expect(configError(() => createBallast({ asserts: { shed: 'shed_rate(search) < 5%' } }))).toMatchObject({
      field: 'asserts.shed',
      detail: expect.stringMatching(/position 11: unknown limit "search"/) as unknown,
    });
    expect(configError(() => createBallast({ asserts: { b: 'open(profiles) < 1' } })).detail).toMatch(/unknown dependency "profiles"/);
    expect(configError(() => createBallast({ asserts: { c: { expression: 'pending(billing) < 100' } } }))).toMatchObject({
      field: 'asserts.c.expression',
      detail: expect.stringMatching(/unknown outbox destination "billing"/) as unknown,
    });
  });

  it('fails construction for a unit that does not fit the signal', () => {
    expect(configError(() => createBallast({ asserts: { a: 'active_connections > 10ms' } })).detail).toMatch(/position 24: unit "ms" does not fit/);
    expect(configError(() => createBallast({ asserts: { a: 'error_rate < 5s' } })).detail).toMatch(/takes %/);
  });

  it('accepts every documented signal once its names exist', () => {
    const ballast = createBallast({
      limits: { api: { maxConcurrent: 4 }, search: { maxConcurrent: 2 } },
      dependencies: { profiles: {} },
      asserts: {
        a: 'p50(latency) < 1s',
        b: 'p90(latency, /search) < 200ms',
        c: 'rate(requests) > 1/s',
        d: 'error_rate < 1%',
        e: 'active_connections > 10',
        f: 'shed_rate(search) < 5%',
        g: 'running(api) < 64',
        h: 'queued(api) <= 10',
        i: 'open(profiles) < 1',
      },
    });
    expect(ballast.asserts.names()).toHaveLength(9);
  });
});
