// One variant of bench/scope: builds what the framework builds per request (Express:
// a request object on the app's prototype; Koa: app.createContext), with or without
// Ballast, and times it. No sockets: this isolates the per-request cost of the scope.
import { performance } from 'node:perf_hooks';
import express from 'express';
import Koa from 'koa';
import { createBallast, RequestScope } from '@ballast/core';
import { ballastExpress } from '@ballast/express';
import { ballastKoa } from '@ballast/koa';

const ballast = createBallast({ limits: { api: { maxConcurrent: 64 } } });
let sink = 0;

function expressSetup(name) {
  const app = express();
  if (name !== 'express-bare' && name !== 'express-own-property') {
    const b = ballastExpress(ballast);
    app.use(b.observe());
  }
  // What Express does to each request before routing: its prototype and links (router/index.js, express/lib/application.js).
  return () => {
    const req = Object.setPrototypeOf({ url: '/x', method: 'GET', headers: {} }, app.request);
    const res = Object.setPrototypeOf({}, app.response);
    req.res = res;
    res.req = req;
    if (name === 'express-own-property') req.ballastScope = new RequestScope(ballast, req, res);
    if (name === 'express-read') sink += req.ballast === undefined ? 0 : 1;
    return req;
  };
}

function koaSetup(name) {
  const app = new Koa();
  if (name !== 'koa-bare' && name !== 'koa-own-property') {
    const k = ballastKoa(ballast);
    app.use(k.observe());
  }
  const req = { url: '/x', method: 'GET', headers: {}, socket: {} };
  const res = {};
  return () => {
    const ctx = app.createContext(req, res);
    if (name === 'koa-own-property') ctx.state.ballast = new RequestScope(ballast, ctx.req, ctx.res);
    if (name === 'koa-read') sink += ctx.state.ballast === undefined ? 0 : 1;
    return ctx;
  };
}

export async function measure(name, ops, runs) {
  const once = name.startsWith('express') ? expressSetup(name) : koaSetup(name);
  let keep;
  for (let i = 0; i < Math.min(ops, 200_000); i++) keep = once(); // warm up
  const samples = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    for (let i = 0; i < ops; i++) keep = once();
    samples.push(((performance.now() - start) * 1e6) / ops);
  }
  samples.sort((a, b) => a - b);
  return { name, nsPerOp: samples[Math.floor(samples.length / 2)], samples, kept: keep !== undefined, sink };
}
