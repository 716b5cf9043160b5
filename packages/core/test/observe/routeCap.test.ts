import { afterEach, describe, expect, it } from 'vitest';
import { HttpObserver } from '@ballast/core';
import { until } from '@ballast/testkit';

/**
 * The route cap (500 series) in real time, with a 1 s window (a slot turns every
 * ~83 ms): routes that carry traffic keep or win a series; one-off paths never
 * displace them, and memory stays bounded whatever arrives.
 */
describe('route cap: the routes that carry traffic keep their series', () => {
  let observer: HttpObserver | undefined;
  afterEach(() => {
    observer?.stop();
    observer = undefined;
  });

  const hit = (o: HttpObserver, route: string, times = 1): void => {
    for (let i = 0; i < times; i++) o.end(route, 200, o.begin({}));
  };
  /** Waits for the window to turn (victims are chosen then). */
  const turns = async (o: HttpObserver, n: number): Promise<void> => {
    const rotations: number[] = [];
    o.onRotate(() => rotations.push(1));
    await until(() => rotations.length >= n, 5000, `${n} window turns`);
  };

  it('gives a route that starts carrying traffic after 520 one-off paths filled the table a series of its own', async () => {
    const o = (observer = new HttpObserver(1000));
    o.start();
    for (let i = 0; i < 520; i++) hit(o, `/t/tenant-${i}/search`);
    expect(o.series().length).toBe(501); // 500 routes and the overflow
    await turns(o, 1);
    // The newcomer: overflow at first, its own series once it outnumbers the quietest route.
    await until(async () => (hit(o, '/search', 5), await turns(o, 1), o.hasRoute('/search')), 5000, '/search to get a series');
    const before = o.windowHistogram('/search').count;
    hit(o, '/search', 20);
    expect(o.windowHistogram('/search').count).toBe(before + 20);
    expect(o.series().length).toBeLessThanOrEqual(501);
  });

  it('keeps a busy route through a flood of 20000 distinct paths, each seen once, without growing', async () => {
    const o = (observer = new HttpObserver(1000));
    o.start();
    for (let i = 0; i < 499; i++) hit(o, `/known/${i}`);
    hit(o, '/search', 50);
    await turns(o, 1);
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 5000; i++) hit(o, `/junk/${round}/${i}`);
      hit(o, '/search', 50);
      await turns(o, 1);
      expect(o.hasRoute('/search')).toBe(true);
      expect(o.series().length).toBeLessThanOrEqual(501);
    }
    // One-off paths count as overflow; the few that collide in the sketch displace only quiet routes.
    const junk = o.series().filter((s) => s.route.startsWith('/junk/')).length;
    expect(junk).toBeLessThan(100);
    expect(o.windowHistogram('other').count).toBeGreaterThan(0);
  });
});
