import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import express, { type Request, type Response } from 'express';
import { createBallast } from '@ballast/core';
import { ballastExpress } from '@ballast/express';
import { servedApps } from '@ballast/testkit';

/** What a handler sees of a request and its response, own keys in order. */
function keysOf(req: Request, res: Response): { req: (string | symbol)[]; res: (string | symbol)[]; protoReq: object; protoRes: object } {
  return { req: Reflect.ownKeys(req), res: Reflect.ownKeys(res), protoReq: Object.getPrototypeOf(req) as object, protoRes: Object.getPrototypeOf(res) as object };
}

describe('express: one hidden class for requests and responses behind Ballast', () => {
  const serve = servedApps();

  it('leaves what a handler sees unchanged: the same own keys in the same order, the same prototypes', async () => {
    const ballast = createBallast({ limits: { api: { maxConcurrent: 4 } } });
    const b = ballastExpress(ballast);
    const app = express();
    const seen: Record<string, ReturnType<typeof keysOf>> = {};
    const record = (name: string) => (req: Request, res: Response) => {
      seen[name] = keysOf(req, res);
      res.json({ ok: true });
    };
    // The same app and route shape, once behind observe() and a limit, once behind no-op middleware.
    const inner = express.Router();
    inner.get('/x', b.limit('api'), record('ballast'));
    const plain = express.Router();
    plain.get('/x', (_req, _res, next) => next(), record('plain'));
    app.use('/b', b.observe(), inner);
    app.use('/p', (_req, _res, next) => next(), plain);
    const server = await serve(ballast, app);
    expect((await request(server).get('/b/x?q=1')).status).toBe(200);
    expect((await request(server).get('/p/x?q=1')).status).toBe(200);
    const withBallast = seen.ballast!;
    const without = seen.plain!;
    expect(withBallast.req).toEqual(without.req);
    expect(withBallast.res).toEqual(without.res);
    expect(withBallast.req.some((key) => typeof key === 'symbol' && key.description === 'ballast.shape')).toBe(false);
    expect(withBallast.protoReq).toBe(without.protoReq);
    expect(withBallast.protoRes).toBe(without.protoRes);
  });

  /** Serves one mount in a child process under `--allow-natives-syntax`, sends it `requests` requests and returns its report. */
  async function shapesOf(mount: 'bare' | 'limit' | 'observe', requests = 60): Promise<{ requests: number; requestMapChanges: number; responseMapChanges: number; fast: number }> {
    const fixture = fileURLToPath(new URL('./fixtures/shapes.mjs', import.meta.url));
    const child = spawn(process.execPath, ['--allow-natives-syntax', fixture, mount], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      const url = `http://127.0.0.1:${Number(line.toString())}`;
      for (let i = 0; i < requests; i++) expect((await fetch(`${url}/`)).status).toBe(200);
      return (await (await fetch(`${url}/report`)).json()) as Awaited<ReturnType<typeof shapesOf>>;
    } finally {
      child.kill();
    }
  }

  it('gives every request and response behind a limit, or observe() and a limit, the same hidden class (V8 natives, in a child process)', async () => {
    // The premise, on the Node this runs: Express leaves each request and response a hidden class of its own.
    expect(await shapesOf('bare')).toEqual({ requests: 40, requestMapChanges: 40, responseMapChanges: 40, fast: 40 });
    for (const mount of ['limit', 'observe'] as const) {
      // V8 finds the shared class in a small cache indexed by a hash of addresses: in about one process in twenty the
      // request's and the response's entries share a slot and evict each other (README, "Express's hidden classes"). A fresh process then.
      let report = await shapesOf(mount);
      for (let attempt = 1; attempt < 3 && report.requestMapChanges + report.responseMapChanges > 0; attempt++) report = await shapesOf(mount);
      expect(report, mount).toEqual({ requests: 40, requestMapChanges: 0, responseMapChanges: 0, fast: 0 });
    }
  });
});
