/**
 * Micro benchmark of the admission hot path, not saturated: ns per admit + release.
 * Prints a JSON summary on its last line (run.mjs pins it to one core).
 *
 *   limiter:        Limiter.acquire() + release()
 *   gate:           Gate.admit() + calling the release it hands out (the gate's own cost)
 *   end events (baseline): a fresh request and response emitter, then response
 *                   'finish' and 'close' and request 'close' emitted, as a server does
 *   gate + whenDone: admit, the release handed to whenDone (its listeners), events emitted
 *   express/koa ... middleware: the adapters' own middleware functions called
 *                   directly on minimal request/response emitters, then the end events
 *                   emitted; subtract the baseline for what Ballast adds to each request
 */
import { EventEmitter } from 'node:events';
import { createBallast } from '@ballast/core';
// Before the adapter seam existed (to compare builds), these cases fall back to the old `Gate.enter`.
const adapter = await import('@ballast/core/adapter').catch(() => null);
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
    if (typeof gate.admit !== 'function') return oldGate(n);
    for (let i = 0; i < n; i++) {
      const release = gate.admit();
      if (typeof release !== 'function') throw new Error('not admitted');
      release();
    }
  },
};

/** The same on a build from before the seam: `Gate.enter` on a lifetime that records its close listener. */
function oldGate(n) {
  const lifetime = { closed: false, listener: null, on(_event, listener) { this.listener = listener; } };
  for (let i = 0; i < n; i++) {
    if (gate.enter(lifetime) !== 0) throw new Error('not admitted');
    lifetime.listener();
  }
}

/** CPU time (user + system) per iteration: unlike wall time, it leaves out what other processes took. */
async function nsPerOp(run) {
  const start = process.cpuUsage();
  await run(iterations);
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / iterations;
}

// The adapters' middleware on minimal stand-ins: what each adds per request, framework excluded.
const socket = { server: Object.assign(new EventEmitter(), { getConnections: (cb) => cb(null, 1) }) };
const next = () => undefined;
const resolved = Promise.resolve();
const nextAsync = () => resolved;
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
/** Koa middleware returns promises: each request awaits its chain (compare with the Koa baseline, which awaits too). */
function koaMiddleware(...middleware) {
  const chain = (ctx, index) => (index === middleware.length ? nextAsync() : middleware[index](ctx, () => chain(ctx, index + 1)));
  return async (n) => {
    for (let i = 0; i < n; i++) {
      const req = new BenchRequest();
      const res = new BenchResponse();
      const ctx = { state: {}, res, req, _matchedRoute: '/' };
      await chain(ctx, 0);
      end(req, res);
    }
  };
}
const b = ballastExpress(createBallast({ limits: { api: { maxConcurrent: 10_000 } } }));
const k = ballastKoa(createBallast({ limits: { api: { maxConcurrent: 10_000 } } }));
// What the stand-ins cost alone: subtract the baselines from the lines below.
cases['end events (baseline)'] = (n) => {
  for (let i = 0; i < n; i++) end(new BenchRequest(), new BenchResponse());
};
cases['koa baseline (await a chain, end events)'] = koaMiddleware();
if (adapter !== null) cases['gate + whenDone'] = (n) => {
  for (let i = 0; i < n; i++) {
    const req = new BenchRequest();
    const res = new BenchResponse();
    const release = gate.admit();
    if (typeof release !== 'function') throw new Error('not admitted');
    adapter.whenDone(req, res, release);
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
  await run(iterations); // warm-up: let the JIT optimise before measuring
  const samples = [];
  for (let r = 0; r < runs; r++) samples.push(await nsPerOp(run));
  samples.sort((a, b) => a - b);
  results[name] = { medianNs: samples[Math.floor(samples.length / 2)], minNs: samples[0], maxNs: samples[samples.length - 1] };
  if (limiter.running !== 0) throw new Error(`${name} leaked ${limiter.running} slots`);
}
console.log(JSON.stringify({ iterations, runs, results }));
process.exit(0); // observe() starts the instance's background sampling
