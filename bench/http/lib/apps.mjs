/**
 * The throughput variants: each builds a request listener serving `GET /` with a
 * trivial JSON body, bare or behind one resilience layer, mounted exactly as its
 * README tells users to: Ballast's `app.use(b.observe())` at the app and
 * `b.limit('api')` on the route (Koa: `app.use(k.observe())` and the limit on an
 * @koa/router route, so bare Koa runs the same router); express-rate-limit with
 * `app.use(limiter)`; opossum's `breaker.fire()` and cockatiel's
 * `policy.execute()` around the handler's work. Nothing saturates: every limit is
 * far above the load, so the numbers are the per-request overhead.
 */
import { createBallast } from '@ballast/core';
import { ballastExpress } from '@ballast/express';
import { ballastKoa } from '@ballast/koa';
import { subscribe } from 'node:diagnostics_channel';
import { bulkhead } from 'cockatiel';
import express from 'express';
import { rateLimit } from 'express-rate-limit';
import Router from '@koa/router';
import Koa from 'koa';
import CircuitBreaker from 'opossum';

const BODY = { hello: 'world' };
const HIGH = 10_000;

const ballast = () => createBallast({ limits: { api: { maxConcurrent: HIGH, maxQueue: 0 } } });

/**
 * The load generator closes its connections at the end of a run, so a few
 * in-flight writes fail with EPIPE; Express would log each one. Never reached
 * on the measured path (the route ends every response).
 */
function quiet(app) {
  app.use((_error, _req, res, _next) => {
    res.destroy();
  });
  return app;
}

/** `appLevel` is mounted with `app.use`, `route` on the route, as the READMEs show. */
function expressApp({ appLevel = [], route = [] } = {}) {
  const app = express();
  app.disable('x-powered-by');
  for (const mw of appLevel) app.use(mw);
  app.get('/', ...route, (_req, res) => {
    res.json(BODY);
  });
  return quiet(app);
}

function expressWrapped(run) {
  const app = express();
  app.disable('x-powered-by');
  const handler = async (_req, res) => {
    res.json(BODY);
  };
  app.get('/', (req, res, next) => {
    run(() => handler(req, res)).catch(next);
  });
  return quiet(app);
}

function koaApp({ appLevel = [], route = [] } = {}) {
  const app = new Koa();
  for (const mw of appLevel) app.use(mw);
  const router = new Router();
  router.get('/', ...route, (ctx) => {
    ctx.body = BODY;
  });
  app.use(router.routes()).use(router.allowedMethods());
  return app.callback();
}

/** Whether both adapters have `observe()` yet (another issue adds it). */
export function hasObserve() {
  const b = ballast();
  return typeof ballastExpress(b).observe === 'function' && typeof ballastKoa(b).observe === 'function';
}

/** Variant name → a factory of the node request listener. */
export const variants = {
  'express bare': () => expressApp(),
  // A second bare server: its ratio to the first is the noise floor of this run.
  'express bare (control)': () => expressApp(),
  'express + ballast limit': () => expressApp({ route: [ballastExpress(ballast()).limit('api')] }),
  'express + ballast observe+limit': () => {
    const b = ballastExpress(ballast());
    return expressApp({ appLevel: [b.observe()], route: [b.limit('api')] });
  },
  'express + express-rate-limit': () =>
    expressApp({ appLevel: [rateLimit({ windowMs: 60_000, limit: 1e9, standardHeaders: 'draft-8', legacyHeaders: false })] }),
  'express + opossum': () => {
    const breaker = new CircuitBreaker((fn) => fn());
    return expressWrapped((fn) => breaker.fire(fn));
  },
  'express + cockatiel bulkhead': () => {
    const policy = bulkhead(HIGH, 0);
    return expressWrapped((fn) => policy.execute(fn));
  },
  'koa bare': () => koaApp(),
  'koa bare (control)': () => koaApp(),
  'koa + ballast limit': () => koaApp({ route: [ballastKoa(ballast()).limit('api')] }),
  'koa + ballast observe+limit': () => {
    const k = ballastKoa(ballast());
    return koaApp({ appLevel: [k.observe()], route: [k.limit('api')] });
  },
};

const SHAPE = Symbol('shape');

/** What packages/express/src/shape.ts does: a property added and deleted, which turns the object into a dictionary. */
function shareShape(object) {
  object[SHAPE] = true;
  delete object[SHAPE];
}

/**
 * The floor any middleware pays, mounted as Ballast's are: a no-op `app.use`
 * layer plus a no-op route middleware (Koa's as `async (ctx, next) => next()`).
 * Not in `variants` (the autocannon pass skips them): bench/http/instructions.mjs counts them, and the wrk pass runs them beside Ballast.
 */
export const floors = {
  'express no-op app+route': () => {
    const pass = (_req, _res, next) => next();
    return expressApp({ appLevel: [pass], route: [pass] });
  },
  // The same, with what `observe()` and `limit()` do first (packages/express/src/shape.ts): the floor of a
  // middleware that also gives Express's requests and responses one hidden class. Ballast's own cost is its ratio to this one.
  'express shared-shape no-op app+route': () => {
    const pass = (req, res, next) => {
      shareShape(req);
      shareShape(res);
      next();
    };
    return expressApp({ appLevel: [pass], route: [pass] });
  },
  'koa no-op app+route': () => {
    const pass = async (_ctx, next) => next();
    return koaApp({ appLevel: [pass], route: [pass] });
  },
  // The same with plain functions returning `next()`, as Ballast's own Koa middleware are: no async function's promise per layer.
  'koa sync no-op app+route': () => {
    const pass = (_ctx, next) => next();
    return koaApp({ appLevel: [pass], route: [pass] });
  },
};

/**
 * Variants that take a layer apart, for the instruction counters only (`callgrind.mjs`,
 * `instructions.mjs`; no req/s pass runs them): `observe()` alone, and bare Express
 * with one no-op subscriber to Node's `http.server.response.finish` channel (what
 * Node's server does per response once anyone subscribes, as `observe()` does).
 */
export const probes = {
  'express + ballast observe': () => expressApp({ appLevel: [ballastExpress(ballast()).observe()] }),
  'express + finish subscriber': () => {
    subscribe('http.server.response.finish', () => {});
    return expressApp();
  },
};

/** Which bare variant a variant is compared with. */
export const baselineOf = (name) => (name.startsWith('koa') ? 'koa bare' : 'express bare');

/** The variants to run now (observe ones only once `observe()` exists). */
export function activeVariants() {
  const observe = hasObserve();
  return Object.keys(variants).filter((name) => observe || !name.includes('observe'));
}
