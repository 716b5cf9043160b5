/**
 * Micro benchmark of observe()'s per-request path, the part that stays on for
 * every request: ns per request for observeNode (timestamp, in-flight count,
 * end listeners, and at the end a histogram record under the route template).
 * Prints a JSON summary on its last line. Build core first.
 *
 *   baseline:         a new request and response emitter per request, emitting the end events to nobody
 *   observe:          the same with observeNode on it (the delta is observe's cost)
 *   observe + gate:   observe plus a limit's admission and release (observe + limit)
 *
 *   node bench/http/observe-micro.mjs
 */
import { EventEmitter } from 'node:events';
import { createBallast } from '@ballast/core';
import { observeNode, whenDone } from '@ballast/core/adapter';

const iterations = Number(process.env.BENCH_MICRO_ITERATIONS ?? 1_000_000);
const runs = Number(process.env.BENCH_MICRO_RUNS ?? 15);

const ballast = createBallast({ limits: { api: { maxConcurrent: 10_000 } } });
const observer = ballast.observer;
const gate = ballast.limits.gate(['api']);
// A socket as a server hands it over: `server` is what observe() watches for connections.
const socket = { server: new EventEmitter() };
socket.server.getConnections = (cb) => cb(null, 1);
const routes = ['/items/:id', '/search', '/users/:id/orders'];
const identity = (route) => route;

class BenchRequest extends EventEmitter {
  socket = socket;
  destroyed = false;
}
class BenchResponse extends EventEmitter {
  statusCode = 200;
  closed = false;
  writableFinished = false;
  socket = socket;
}
function end(req, res) {
  res.emit('finish');
  res.emit('close');
  req.emit('close');
}

const cases = {
  baseline(n) {
    for (let i = 0; i < n; i++) end(new BenchRequest(), new BenchResponse());
  },
  observe(n) {
    for (let i = 0; i < n; i++) {
      const req = new BenchRequest();
      const res = new BenchResponse();
      const route = routes[i % 3];
      observeNode(observer, req, res, identity, route);
      end(req, res);
    }
  },
  'observe + gate'(n) {
    for (let i = 0; i < n; i++) {
      const req = new BenchRequest();
      const res = new BenchResponse();
      const route = routes[i % 3];
      observeNode(observer, req, res, identity, route);
      const release = gate.admit();
      if (typeof release !== 'function') throw new Error('not admitted');
      whenDone(req, res, release);
      end(req, res);
    }
  },
};

// Cases alternate round after round, so drift on a shared machine hits them alike;
// each round's cost is measured against the baseline of the same round.
const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (const run of Object.values(cases)) run(iterations / 10); // warm-up
for (let r = 0; r < runs; r++) {
  for (const [name, run] of Object.entries(cases)) {
    const started = process.hrtime.bigint();
    run(iterations);
    samples[name].push(Number(process.hrtime.bigint() - started) / iterations);
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x) => Math.round(x * 10) / 10;
const results = {};
for (const name of Object.keys(cases)) {
  const added = samples[name].map((ns, r) => ns - samples.baseline[r]);
  results[name] = { medianNs: round(median(samples[name])), minNs: round(Math.min(...samples[name])), addedMedianNs: round(median(added)), addedMinNs: round(Math.min(...added)) };
  console.error(`${name}: median ${results[name].medianNs} ns/request, added over baseline: median ${results[name].addedMedianNs} (min ${results[name].addedMinNs})`);
}
ballast.observer.stop();
console.log(JSON.stringify(results));
