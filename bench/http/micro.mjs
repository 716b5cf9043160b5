/**
 * Micro benchmark of the admission hot path, not saturated: ns per admit + release.
 * Prints a JSON summary on its last line (run.mjs pins it to one core).
 *
 *   limiter:        Limiter.acquire() + release()
 *   gate (fake):    Gate.enter(lifetime) on an object that only records the close
 *                   listener, then fires it (the gate's own cost)
 *   EventEmitter + close (baseline): a fresh emitter, one 'close' listener, emit
 *   gate (EventEmitter): Gate.enter on such an emitter, then 'close' emitted
 *   express/koa ... middleware: the adapters' own middleware functions called
 *                   directly on minimal request objects and an EventEmitter as
 *                   the response, then 'close' emitted; subtract "EventEmitter
 *                   alone" for what Ballast adds to each request
 */
import { EventEmitter } from 'node:events';
import { createBallast } from '@ballast/core';
import { ballastExpress } from '@ballast/express';
import { ballastKoa } from '@ballast/koa';

const iterations = Number(process.env.BENCH_MICRO_ITERATIONS ?? 5_000_000);
const runs = Number(process.env.BENCH_MICRO_RUNS ?? 7);

const ballast = createBallast({ limits: { api: { maxConcurrent: 10_000 } } });
const limiter = ballast.limits.get('api');
const gate = ballast.limits.gate(['api']);

class FakeLifetime {
  closed = false;
  listener = null;
  on(_event, listener) {
    this.listener = listener;
    return this;
  }
}

const cases = {
  limiter(n) {
    for (let i = 0; i < n; i++) {
      if (limiter.acquire() !== 0) throw new Error('not admitted');
      limiter.release();
    }
  },
  'gate (fake lifetime)'(n) {
    const lifetime = new FakeLifetime();
    for (let i = 0; i < n; i++) {
      if (gate.enter(lifetime) !== 0) throw new Error('not admitted');
      lifetime.listener();
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
const requestProto = {};
const next = () => undefined;
const noop = () => {};
function response() {
  const res = new EventEmitter();
  res.closed = false;
  res.statusCode = 200;
  return res;
}
function expressMiddleware(...middleware) {
  return (n) => {
    for (let i = 0; i < n; i++) {
      const req = Object.create(requestProto);
      req.socket = socket;
      req.baseUrl = '';
      req.route = { path: '/' };
      const res = response();
      for (const mw of middleware) mw(req, res, next);
      res.emit('close');
    }
  };
}
function koaMiddleware(...middleware) {
  return (n) => {
    for (let i = 0; i < n; i++) {
      const res = response();
      const ctx = { state: {}, res, req: { socket }, _matchedRoute: '/' };
      for (const mw of middleware) mw(ctx, next);
      res.emit('close');
    }
  };
}
const b = ballastExpress(createBallast({ limits: { api: { maxConcurrent: 10_000 } } }));
const k = ballastKoa(createBallast({ limits: { api: { maxConcurrent: 10_000 } } }));
// What a fresh EventEmitter with one 'close' listener costs alone: subtract it from the lines below.
cases['EventEmitter + close (baseline)'] = (n) => {
  for (let i = 0; i < n; i++) {
    const res = response();
    res.on('close', noop);
    res.emit('close');
  }
};
cases['gate (EventEmitter)'] = (n) => {
  for (let i = 0; i < n; i++) {
    const res = response();
    if (gate.enter(res) !== 0) throw new Error('not admitted');
    res.emit('close');
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
