import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createBallast } from '@ballast/core';
import { observeNode, whenDone } from '@ballast/core/adapter';
import { Latch, servedApps } from '@ballast/testkit';

const urlOf = (server: http.Server): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

describe('the end of an exchange', () => {
  const serve = servedApps();

  it('observe() and two limits add no listener to the response (its connection tells), record the request and release each exactly once', async () => {
    const b = createBallast({ limits: { api: { maxConcurrent: 5 }, search: { maxConcurrent: 5 } } });
    const listeners: number[] = [];
    const released: string[] = [];
    const server = await serve(b, http.createServer((req, res) => {
      expect(observeNode(b.observer, req, res, () => '/search', req)).toBe(true);
      for (const name of ['api', 'search']) {
        const release = b.limits.gate([name]).admit();
        if (typeof release !== 'function') throw new Error('not admitted');
        expect(whenDone(req, res, () => (release(), released.push(name)))).toBe(true);
      }
      listeners.push(res.listenerCount('close'));
      res.end('ok');
    }));
    for (let i = 0; i < 3; i++) expect((await fetch(urlOf(server))).status).toBe(200);
    await expect.poll(() => released.length).toBe(6);
    expect(listeners).toEqual([0, 0, 0]);
    expect(released).toEqual(['api', 'search', 'api', 'search', 'api', 'search']);
    expect(b.limits.get('api').running + b.limits.get('search').running).toBe(0);
    expect(b.observer.inFlight).toBe(0);
    expect(b.observer.windowHistogram('/search').count).toBe(3);
  });

  it('two observe() of different instances on one response each record it once, and a response that never ends is recorded when its client leaves', async () => {
    const [one, two] = [createBallast({}), createBallast({})];
    const server = await serve(one, http.createServer((req, res) => {
      expect(observeNode(one.observer, req, res, () => '/x', req)).toBe(true);
      expect(observeNode(two.observer, req, res, () => '/x', req)).toBe(true);
      if (req.url === '/hang') res.write('partial');
      else res.end('ok');
    }));
    for (let i = 0; i < 2; i++) expect((await fetch(urlOf(server))).status).toBe(200);
    const hung = new AbortController();
    const response = await fetch(`${urlOf(server)}/hang`, { signal: hung.signal });
    expect(response.status).toBe(200);
    hung.abort();
    await expect.poll(() => one.observer.inFlight + two.observer.inFlight).toBe(0);
    expect(one.observer.windowHistogram('/x').count).toBe(3);
    expect(two.observer.windowHistogram('/x').count).toBe(3);
  });

  it('a limit reached after a wait, with another request observed meanwhile, releases with its own response, not that one', async () => {
    const b = createBallast({ limits: { api: { maxConcurrent: 5 } } });
    const parsing = new Latch();
    const slow = new Latch();
    const server = await serve(b, http.createServer((req, res) => {
      expect(observeNode(b.observer, req, res, () => req.url, req)).toBe(true);
      if (req.url === '/slow') return void slow.wait().then(() => res.end('slow'));
      // A wait between observe() and the limit, as a body parser makes.
      void parsing.wait().then(() => {
        const release = b.limits.gate(['api']).admit();
        if (typeof release !== 'function') throw new Error('not admitted');
        expect(whenDone(req, res, release)).toBe(true);
        res.end('ok');
      });
    }));
    const limited = fetch(`${urlOf(server)}/limited`);
    await parsing.arrivedAtLeast(1);
    // Observed after the limited request, before its limit runs, and still open while it ends.
    const slowAnswer = fetch(`${urlOf(server)}/slow`);
    await slow.arrivedAtLeast(1);
    parsing.open();
    expect((await limited).status).toBe(200);
    await expect.poll(() => b.limits.get('api').running).toBe(0);
    expect(b.observer.inFlight).toBe(1);
    slow.open();
    expect((await slowAnswer).status).toBe(200);
    await expect.poll(() => b.observer.inFlight).toBe(0);
    expect(b.observer.windowHistogram('/limited').count).toBe(1);
  });

  it('two observers on one response both record it', async () => {
    const one = createBallast({});
    const two = createBallast({});
    try {
      const server = await serve(one, http.createServer((req, res) => {
        observeNode(one.observer, req, res, () => '/a', req);
        observeNode(two.observer, req, res, () => '/b', req);
        res.end('ok');
      }));
      expect((await fetch(urlOf(server))).status).toBe(200);
      await expect.poll(() => two.observer.windowHistogram('/b').count).toBe(1);
      expect(one.observer.windowHistogram('/a').count).toBe(1);
      expect(one.observer.inFlight + two.observer.inFlight).toBe(0);
    } finally {
      await two.stop();
    }
  });
});
