/**
 * Micro benchmark of the admission hot path, not saturated: ns per admit + release.
 * Prints a JSON summary on its last line (run.mjs pins it to one core).
 *
 *   limiter:        Limiter.acquire() + release()
 *   gate:           Gate.admit() + calling the release it hands out (the gate's own cost)
 *   EventEmitter + end events (baseline): a fresh request and response emitter, one
 *                   listener on each end event, then response 'finish' and 'close'
 *                   and request 'close' emitted, as a server does
 *   gate + whenDone: admit, release bound to those events with whenDone, events emitted
 *   express/koa ... middleware: the adapters' own middleware functions called
 *                   directly on minimal request/response emitters, then the end events
 *                   emitted; subtract the baseline for what Ballast adds to each request
 */
import { EventEmitter } from 'node:events';
import { createBallast } from '@ballast/core';
import { whenDone } from '@ballast/core/adapter';
import { ballastExpress } from '@ballast/express';
import { ballastKoa } from '@ballast/koa';

const iterations = Number(process.env.BENCH_MICRO_ITERATIONS ?? 5_000_000);
const runs = Number(process.env.BENCH_MICRO_RUNS ?? 7);

const ballast = createBallast({ limits: { api: { maxConcurrent: 10_000 } } });
const limiter = ballast.limits.get('api');
const gate = ballast.limits.gate(['api']);

const cases = {
  limiter(n) {
    for (let i = 0; i < n; i++) {
      if (limiter.acquire() !== 0) throw new Error('not admitted');
      limiter.release();
    }
  },
  gate(n) {
    for (let i = 0; i < n; i++) {
      const release = gate.admit();
      if (typeof release !== 'function') throw new Error('not admitted');
      release();
    }
  },
};

function nsPerOp(run) {
  const start = process.hrtime.bigint();
  run(iterations);
  return Number(process.hrtime.bigint() - start) / iterations;
}

// The adapters' middleware on minimal stand-ins: what each adds per request, framework excluded.
const socket = { server: Object.assign(new EventEmitter(), { getConnections: (cb) => cb(null, 1) }) };
const next = () => undefined;
const resolved = Promise.resolve();
const nextAsync = () => resolved;
const noop = () => {};
class BenchRequest extends EventEmitter {
  socket = socket;
  destroyed = false;
  baseUrl = '';
  route = { path: '/' };
}
class BenchResponse extends EventEmitter {
  closed = false;
  writableFinished = false;
  statusCode = 200;
  socket = socket;
}
/** What a server emits when an exchange ends normally. */
function end(req, res) {
  res.emit('finish');
  res.emit('close');
  req.emit('close');
}
function expressMiddleware(...middleware) {
  return (n) => {
    for (let i = 0; i < n; i++) {
      const req = new BenchRequest();
      const res = new BenchResponse();
      for (const mw of middleware) mw(req, res, next);
      end(req, res);
    }
  };
}
function koaMiddleware(...middleware) {
  return (n) => {
    for (let i = 0; i < n; i++) {
      const req = new BenchRequest();
      const res = new BenchResponse();
      const ctx = { state: {}, res, req, _matchedRoute: '/' };
      for (const mw of middleware) mw(ctx, nextAsync);
      end(req, res);
    }
  };
}
const b = ballastExpress(createBallast({ limits: { api: { maxConcurrent: 10_000 } } }));
const k = ballastKoa(createBallast({ limits: { api: { maxConcurrent: 10_000 } } }));
// What a fresh EventEmitter with one 'close' listener costs alone: subtract it from the lines below.
cases['EventEmitter + end events (baseline)'] = (n) => {
  for (let i = 0; i < n; i++) {
    const req = new BenchRequest();
    const res = new BenchResponse();
    res.on('finish', noop);
    res.on('close', noop);
    req.on('close', noop);
    end(req, res);
  }
};
cases['gate + whenDone'] = (n) => {
  for (let i = 0; i < n; i++) {
    const req = new BenchRequest();
    const res = new BenchResponse();
    const release = gate.admit();
    if (typeof release !== 'function') throw new Error('not admitted');
    whenDone(req, res, release);
    end(req, res);
  }
};
cases['express limit middleware'] = expressMiddleware(b.limit('api'));
cases['koa limit middleware'] = koaMiddleware(k.limit('api'));
if (typeof b.observe === 'function' && typeof k.observe === 'function') {
  cases['express observe+limit middleware'] = expressMiddleware(b.observe(), b.limit('api'));
  cases['koa observe+limit middleware'] = koaMiddleware(k.observe(), k.limit('api'));
}

const results = {};
for (const [name, run] of Object.entries(cases)) {
  run(iterations); // warm-up: let the JIT optimise before measuring
  const samples = Array.from({ length: runs }, () => nsPerOp(run)).sort((a, b) => a - b);
  results[name] = { medianNs: samples[Math.floor(samples.length / 2)], minNs: samples[0], maxNs: samples[samples.length - 1] };
  if (limiter.running !== 0) throw new Error(`${name} leaked ${limiter.running} slots`);
}
console.log(JSON.stringify({ iterations, runs, results }));
process.exit(0); // observe() starts the instance's background sampling
