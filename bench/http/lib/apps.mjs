/**
 * The throughput variants: each builds a request listener serving `GET /` with a
 * trivial JSON body, bare or behind one resilience layer. Nothing saturates: every
 * limit is far above the load, so the numbers are the per-request overhead.
 */
import { createBallast } from '@ballast/core';
import { ballastExpress } from '@ballast/express';
import { ballastKoa } from '@ballast/koa';
import { bulkhead } from 'cockatiel';
import express from 'express';
import { rateLimit } from 'express-rate-limit';
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

function expressApp(...middleware) {
  const app = express();
  app.disable('x-powered-by');
  app.get('/', ...middleware, (_req, res) => {
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

function koaApp(...middleware) {
  const app = new Koa();
  for (const mw of middleware) app.use(mw);
  app.use((ctx) => {
    ctx.body = BODY;
  });
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
  'express + ballast limit': () => expressApp(ballastExpress(ballast()).limit('api')),
  'express + ballast observe+limit': () => {
    const b = ballastExpress(ballast());
    return expressApp(b.observe(), b.limit('api'));
  },
  'express + express-rate-limit': () =>
    expressApp(rateLimit({ windowMs: 60_000, limit: 1e9, standardHeaders: 'draft-8', legacyHeaders: false })),
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
  'koa + ballast limit': () => koaApp(ballastKoa(ballast()).limit('api')),
  'koa + ballast observe+limit': () => {
    const k = ballastKoa(ballast());
    return koaApp(k.observe(), k.limit('api'));
  },
};

/** Which bare variant a variant is compared with. */
export const baselineOf = (name) => (name.startsWith('koa') ? 'koa bare' : 'express bare');

/** The variants to run now (observe ones only once `observe()` exists). */
export function activeVariants() {
  const observe = hasObserve();
  return Object.keys(variants).filter((name) => observe || !name.includes('observe'));
}
