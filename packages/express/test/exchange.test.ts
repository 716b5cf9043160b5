import { describe, expect, it } from 'vitest';
import request from 'supertest';
import express, { type Request } from 'express';
import { createBallast, type Ballast } from '@ballast/core';
import { ballastExpress } from '@ballast/express';
import { pipelined, servedApps } from '@ballast/testkit';

/** Per-request state under Express (req.ballast's scope, kept with observe()'s exchange or by request; the exchange observe() and limits keep): the cases that could go wrong. */
describe('express: per-request state', () => {
  const serve = servedApps();

  it('req.ballast is one scope for the whole request, across an await, and observe() and the limit still record and release it', async () => {
    const ballast = createBallast({ limits: { api: { maxConcurrent: 2 } } });
    const b = ballastExpress(ballast);
    const app = express();
    app.use(b.observe());
    const seen: boolean[] = [];
    app.get('/work', b.limit('api'), async (req, res) => {
      const first = req.ballast;
      await new Promise((resolve) => setTimeout(resolve, 2));
      seen.push(req.ballast === first);
      res.json({ ok: true });
    });
    const server = await serve(ballast, app);
    for (let i = 0; i < 3; i++) expect((await request(server).get('/work')).status).toBe(200);
    expect(seen).toEqual([true, true, true]);
    await expect.poll(() => ballast.observer.windowHistogram('/work').count).toBe(3);
    expect(ballast.limits.get('api').running).toBe(0);
    expect(ballast.observer.inFlight).toBe(0);
  });

  it('observe() and a limit on the route add no close listener to the response (its connection tells when it is over)', async () => {
    const ballast = createBallast({ limits: { api: { maxConcurrent: 2 } } });
    const b = ballastExpress(ballast);
    const app = express();
    app.use(b.observe());
    const listeners: number[] = [];
    app.get('/work', b.limit('api'), (_req, res) => {
      listeners.push(res.listenerCount('close'));
      res.json({ ok: true });
    });
    const server = await serve(ballast, app);
    for (let i = 0; i < 2; i++) expect((await request(server).get('/work')).status).toBe(200);
    expect(listeners).toEqual([0, 0]);
    await expect.poll(() => ballast.observer.windowHistogram('/work').count).toBe(2);
    expect(ballast.limits.get('api').running).toBe(0);
  });

  it('a limit without observe() adds no close listener to the response and releases once it is over, or when its client leaves', async () => {
    const ballast = createBallast({ limits: { api: { maxConcurrent: 2 } } });
    const b = ballastExpress(ballast);
    const app = express();
    const listeners: number[] = [];
    app.get('/work', b.limit('api'), (_req, res) => {
      listeners.push(res.listenerCount('close'));
      res.json({ ok: true });
    });
    app.get('/hang', b.limit('api'), (_req, res) => {
      res.write('partial');
    });
    const server = await serve(ballast, app);
    for (let i = 0; i < 3; i++) expect((await request(server).get('/work')).status).toBe(200);
    expect(listeners).toEqual([0, 0, 0]);
    await expect.poll(() => ballast.limits.get('api').running).toBe(0);
    const hung = new AbortController();
    const { port } = server.address() as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}/hang`, { signal: hung.signal });
    expect(ballast.limits.get('api').running).toBe(1);
    hung.abort();
    void response.body?.cancel().catch(() => undefined);
    await expect.poll(() => ballast.limits.get('api').running).toBe(0);
  });

  it('an app that shares one res.locals object between requests still records and releases each request', async () => {
    const ballast = createBallast({ limits: { api: { maxConcurrent: 4 } } });
    const b = ballastExpress(ballast);
    const app = express();
    const shared = {};
    app.use((_req, res, next) => {
      res.locals = shared;
      next();
    });
    app.use(b.observe());
    const scopes = new Set<unknown>();
    app.get('/work', b.limit('api'), async (req, res) => {
      scopes.add(req.ballast);
      await new Promise((resolve) => setTimeout(resolve, 5));
      res.json({ ok: true });
    });
    const server = await serve(ballast, app);
    const answers = await Promise.all(Array.from({ length: 4 }, () => request(server).get('/work')));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(scopes.size).toBe(4);
    await expect.poll(() => ballast.observer.windowHistogram('/work').count).toBe(4);
    expect(ballast.limits.get('api').running).toBe(0);
    expect(ballast.observer.inFlight).toBe(0);
  });

  it('req.ballast is one scope per request, read after read, when res.locals is shared between requests or takes no new keys', async () => {
    const ballast = createBallast({ flags: { f: { stage: 'all' } } });
    const b = ballastExpress(ballast);
    const app = express();
    const shared = {};
    app.use((req, res, next) => {
      res.locals = req.path === '/frozen' ? Object.freeze({}) : shared;
      next();
    });
    app.use(b.observe());
    const perRequest: unknown[][] = [];
    app.get(['/shared', '/frozen'], async (req, res) => {
      const reads = [req.ballast];
      await new Promise((resolve) => setTimeout(resolve, 5));
      reads.push(req.ballast, req.ballast);
      perRequest.push(reads);
      res.json({ on: req.ballast.flag('f') });
    });
    const server = await serve(ballast, app);
    const answers = await Promise.all(['/shared', '/shared', '/shared', '/frozen', '/frozen'].map((path) => request(server).get(path)));
    expect(answers.map((a) => a.body)).toEqual(Array.from({ length: 5 }, () => ({ on: true })));
    expect(perRequest.map((reads) => new Set(reads).size)).toEqual([1, 1, 1, 1, 1]);
    expect(new Set(perRequest.map((reads) => reads[0])).size).toBe(5);
  });

  it('req.ballast read in a middleware mounted before observe() stays the request scope after it, across an await, one per request', async () => {
    const ballast = createBallast({ flags: { f: { stage: 'all' } } });
    const b = ballastExpress(ballast);
    const app = express();
    const early = new WeakMap<object, unknown>();
    app.use((req, _res, next) => {
      if (req.path === '/early') early.set(req, req.ballast);
      next();
    });
    app.use(b.observe());
    const same: boolean[] = [];
    const scopes = new Set<unknown>();
    app.get(['/early', '/late'], async (req, res) => {
      const first = req.ballast;
      await new Promise((resolve) => setTimeout(resolve, 5));
      same.push(req.ballast === first && (req.path === '/late' || early.get(req) === first));
      scopes.add(first);
      res.json({ on: req.ballast.flag('f') });
    });
    const server = await serve(ballast, app);
    const answers = await Promise.all(['/early', '/late', '/early', '/late'].map((path) => request(server).get(path)));
    expect(answers.map((a) => a.body)).toEqual(Array.from({ length: 4 }, () => ({ on: true })));
    expect(same).toEqual([true, true, true, true]);
    expect(scopes.size).toBe(4);
  });

  it('req.ballast is one scope per request for pipelined requests on one connection (the first watched on it, the others queued), across an await', async () => {
    const ballast = createBallast({ flags: { f: { stage: 'all' } } });
    const b = ballastExpress(ballast);
    const app = express();
    app.use(b.observe());
    const same: boolean[] = [];
    const scopes = new Set<unknown>();
    app.get('/p', async (req, res) => {
      const first = req.ballast;
      scopes.add(first);
      await new Promise((resolve) => setTimeout(resolve, 5));
      same.push(req.ballast === first);
      res.json({ on: req.ballast.flag('f') });
    });
    const server = await serve(ballast, app);
    const { port } = server.address() as { port: number };
    const client = await pipelined(`http://127.0.0.1:${port}`, '/p', 3);
    await expect.poll(() => client.received().match(/"on":true/g)?.length ?? 0).toBe(3);
    client.leave();
    expect(same).toEqual([true, true, true]);
    expect(scopes.size).toBe(3);
  });

  it('req.ballast lets go of its scope once the response finished (a scope left in the scopes map would keep its request alive through young-generation GCs), and a read after that gets a new one', async () => {
    const ballast = createBallast({ flags: { f: { stage: 'all' } } });
    const b = ballastExpress(ballast);
    const app = express();
    app.use(b.observe());
    const same: boolean[] = [];
    app.get('/work', (req, res) => {
      const during = req.ballast;
      res.on('finish', () => same.push(req.ballast === during, req.ballast === req.ballast));
      res.json({ on: during.flag('f') });
    });
    const server = await serve(ballast, app);
    for (let i = 0; i < 3; i++) expect((await request(server).get('/work')).body).toEqual({ on: true });
    await expect.poll(() => same.length).toBe(6);
    // Not the scope of the request's handling; a read after finish keeps the new one until its own entry is dropped.
    expect(same).toEqual([false, true, false, true, false, true]);
  });

  it('req.ballast is the instance of the app that handles the request, request after request across apps and sub-apps, and MissingScopeError where none is mounted', async () => {
    const first = createBallast({});
    const second = createBallast({});
    try {
      const which = (req: Request, res: express.Response): void => {
        try {
          res.json({ instance: req.ballast.ballast === first ? 'first' : req.ballast.ballast === second ? 'second' : 'other' });
        } catch (error) {
          res.json({ instance: (error as Error).name });
        }
      };
      const appOf = (ballast: Ballast | undefined): express.Express => {
        const app = express();
        if (ballast !== undefined) app.use(ballastExpress(ballast).observe());
        app.get('/which', which);
        return app;
      };
      const [a, b, none, parent, sub] = [appOf(first), appOf(second), appOf(undefined), appOf(first), appOf(second)];
      parent.use('/sub', sub);
      const seen: unknown[] = [];
      for (const [app, path] of [[a, '/which'], [b, '/which'], [none, '/which'], [a, '/which'], [parent, '/sub/which'], [parent, '/which'], [none, '/which']] as const) {
        seen.push((await request(app).get(path).expect(200)).body.instance);
      }
      expect(seen).toEqual(['first', 'second', 'MissingScopeError', 'first', 'second', 'first', 'MissingScopeError']);
      // Read off Express's request prototype itself (no request, no app): the same error, not a TypeError.
      expect(() => (express.request as Request).ballast).toThrow(expect.objectContaining({ name: 'MissingScopeError' }));
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});
