import { afterEach, describe, expect, it } from 'vitest';
import { createBallast, type AssertView, type Ballast } from '@ballast/core';

/** Records `count` finished requests straight into the observer, as observeNode does at close. */
function record(ballast: Ballast, count: number, route: string, status: number): void {
  for (let i = 0; i < count; i++) ballast.observer.end(route, status, ballast.observer.begin({}));
}

const byName = (views: AssertView[]): Record<string, AssertView> => Object.fromEntries(views.map((v) => [v.name, v]));

describe('assert signals', () => {
  let ballast: Ballast | undefined;
  afterEach(async () => {
    await ballast?.stop();
    ballast = undefined;
  });

  it('reads error_rate and rate(requests) over the window, overall and per route', async () => {
    ballast = createBallast({
      asserts: {
        errors: 'error_rate < 10%',
        searchErrors: 'error_rate(/search) < 10%',
        traffic: 'rate(requests) > 0/s',
        searchTraffic: 'rate(requests, /search) >= 0',
      },
    });
    await ballast.start();
    record(ballast, 90, '/items/:id', 200);
    record(ballast, 5, '/search', 503);
    record(ballast, 5, '/search', 200);
    const views = byName(await ballast.asserts.evaluate());
    expect(views.errors).toMatchObject({ status: 'pass', observedValue: 5, observedUnit: '%', samples: 100 });
    expect(views.searchErrors).toMatchObject({ status: 'fail', observedValue: 50, samples: 10 });
    expect(views.traffic).toMatchObject({ status: 'pass', observedUnit: '/s' });
    expect(views.traffic!.observedValue).toBeGreaterThan(views.searchTraffic!.observedValue!);
  });

  it('gives warn below minSamples, then a verdict', async () => {
    ballast = createBallast({ asserts: { latency: { expression: 'p99(latency) < 10s', minSamples: 20 } } });
    record(ballast, 19, '/a', 200);
    expect(byName(await ballast.asserts.evaluate()).latency).toMatchObject({ status: 'warn', samples: 19 });
    record(ballast, 1, '/a', 200);
    expect(byName(await ballast.asserts.evaluate()).latency).toMatchObject({ status: 'pass', samples: 20 });
  });

  it('reads shed_rate from the limit over the window and converts units to the signal base', async () => {
    ballast = createBallast({
      limits: { search: { maxConcurrent: 1 } },
      asserts: { shed: 'shed_rate(search) < 5%', queued: 'queued(search) <= 0', slowest: 'p50(latency) < 0.5s' },
    });
    const limiter = ballast.limits.get('search');
    limiter.acquire();
    for (let i = 0; i < 39; i++) limiter.acquire();
    record(ballast, 10, '/a', 200);
    const views = byName(await ballast.asserts.evaluate());
    expect(views.shed).toMatchObject({ status: 'fail', observedValue: 97.5, samples: 40 });
    expect(views.queued).toMatchObject({ status: 'pass', observedValue: 0 });
    expect(views.slowest).toMatchObject({ status: 'pass', observedUnit: 'ms' });
  });

  it('emits assert:failed once per change of outcome, with the observed value', async () => {
    ballast = createBallast({ limits: { api: { maxConcurrent: 5 } }, asserts: { busy: 'running(api) < 2' } });
    const events: string[] = [];
    ballast.events.on('assert:failed', (e) => events.push(`failed ${e.observedValue}`));
    ballast.events.on('assert:recovered', (e) => events.push(`recovered ${e.observedValue}`));
    const limiter = ballast.limits.get('api');
    await ballast.asserts.evaluate();
    limiter.acquire();
    limiter.acquire();
    await ballast.asserts.evaluate();
    await ballast.asserts.evaluate();
    limiter.release();
    await ballast.asserts.evaluate();
    expect(events).toEqual(['failed 2', 'recovered 1']);
  });
});
