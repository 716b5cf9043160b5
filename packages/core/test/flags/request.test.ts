import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createBallast, RequestScope, type FlagRequest } from '@ballast/core';

function request(url: string, headers: Record<string, string | string[]>): [IncomingMessage, ServerResponse] {
  const req = new IncomingMessage(new Socket());
  req.method = 'POST';
  req.url = url;
  req.headers = headers;
  return [req, new ServerResponse(req)];
}

describe('the request a cohort function sees', () => {
  it('answers header() destructured, case-insensitively, the first of a repeated header, and the path without its query', async () => {
    const seen: Partial<FlagRequest>[] = [];
    const read: (string | undefined)[] = [];
    const ballast = createBallast({
      stage: 'beta',
      rollout: {
        cohort: ({ header, method, path }) => {
          seen.push({ method, path, header });
          // Read during the call: the view answers only then.
          read.push(header('x-ring'), header('x-missing'));
          return { key: header('X-Account-Id'), stage: header('x-ring') };
        },
      },
      flags: { f: { stage: 'beta', percent: 100 } },
    });
    const scope = new RequestScope(ballast, ...request('/checkout?step=2', { 'x-account-id': 'acct-7', 'x-ring': ['internal', 'beta'] }));
    expect(scope.flag('f')).toBe(true);
    expect(scope.flag('f')).toBe(true);
    // Asked once per request, whatever the number of flags read.
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', path: '/checkout' });
    expect(read).toEqual(['internal', undefined]);
    // The ring came from the header: internal comes before beta, so the flag is on for the ring and counted there.
    expect(ballast.flags.view('f').evaluations.internal).toEqual({ on: 2, off: 0 });
    await ballast.stop();
  });

  it('reads a header by any casing of its name, request after request, and the first of a repeated one', async () => {
    const keys: (string | undefined)[] = [];
    const ballast = createBallast({
      rollout: {
        cohort: ({ header }) => {
          keys.push(header('X-Account-Id'), header('x-account-id'), header('X-ACCOUNT-ID'));
          return { key: header('x-account-id') };
        },
      },
      flags: { f: { stage: 'all', percent: 50 } },
    });
    new RequestScope(ballast, ...request('/', { 'x-account-id': 'acct-1' })).flag('f');
    new RequestScope(ballast, ...request('/', { 'x-account-id': ['acct-2', 'acct-3'] })).flag('f');
    new RequestScope(ballast, ...request('/', {})).flag('f');
    expect(keys).toEqual(['acct-1', 'acct-1', 'acct-1', 'acct-2', 'acct-2', 'acct-2', undefined, undefined, undefined]);
    await ballast.stop();
  });

  it('answers only during the cohort call: read later, it throws instead of answering for another request', async () => {
    const kept: FlagRequest[] = [];
    const inside: (string | undefined)[] = [];
    const ballast = createBallast({
      rollout: {
        cohort: (request) => {
          kept.push(request);
          const { header } = request;
          inside.push(header('x-account-id'), request.path, request.method);
          return { key: header('x-account-id') };
        },
      },
      flags: { f: { stage: 'all', percent: 50 } },
    });
    new RequestScope(ballast, ...request('/a', { 'x-account-id': 'acct-1' })).flag('f');
    new RequestScope(ballast, ...request('/b?q', { 'x-account-id': 'acct-2' })).flag('f');
    expect(inside).toEqual(['acct-1', '/a', 'POST', 'acct-2', '/b', 'POST']);
    const first = kept[0]!;
    expect(() => first.header('x-account-id')).toThrow(/only during that call/);
    expect(() => first.path).toThrow(/only during that call/);
    expect(() => first.method).toThrow(/only during that call/);
    expect(() => first.headers).toThrow(/only during that call/);
    await ballast.stop();
  });

  it('gives a cohort that asks for another request\'s cohort a view of its own, and recovers from a cohort that throws', async () => {
    const seen: string[] = [];
    let nested: RequestScope | undefined;
    let fail = false;
    const ballast = createBallast({
      rollout: {
        cohort: ({ header }) => {
          if (fail) throw new Error('cohort failed');
          const key = header('x-account-id')!;
          // A cohort that evaluates a flag for another request (contrived, but it must not see the wrong request).
          const inner = nested;
          nested = undefined;
          if (inner !== undefined) inner.flag('f');
          seen.push(`${key}:${header('x-account-id')}`);
          return { key };
        },
      },
      flags: { f: { stage: 'all', percent: 50 } },
    });
    nested = new RequestScope(ballast, ...request('/', { 'x-account-id': 'inner' }));
    new RequestScope(ballast, ...request('/', { 'x-account-id': 'outer' })).flag('f');
    expect(seen).toEqual(['inner:inner', 'outer:outer']);
    fail = true;
    expect(() => new RequestScope(ballast, ...request('/', { 'x-account-id': 'x' })).flag('f')).toThrow('cohort failed');
    fail = false;
    new RequestScope(ballast, ...request('/', { 'x-account-id': 'after' })).flag('f');
    expect(seen).toEqual(['inner:inner', 'outer:outer', 'after:after']);
    await ballast.stop();
  });
});
