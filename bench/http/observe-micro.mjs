/**
 * Micro benchmark of observe()'s per-request path, the part that stays on for
 * every request: ns per request for observeNode (timestamp, in-flight count,
 * a 'close' listener, and at close a histogram record under the route template).
 * Prints a JSON summary on its last line. Build core first.
 *
 *   baseline:         a new EventEmitter per request, emitting 'close' to nobody
 *   observe:          the same with observeNode on it (the delta is observe's cost)
 *   observe + gate:   observe plus a limit's admission and release (observe + limit)
 *
 *   node bench/http/observe-micro.mjs
 */
import { EventEmitter } from 'node:events';
import { createBallast, observeNode } from '@ballast/core';

const iterations = Number(process.env.BENCH_MICRO_ITERATIONS ?? 2_000_000);
const runs = Number(process.env.BENCH_MICRO_RUNS ?? 7);

const ballast = createBallast({ limits: { api: { maxConcurrent: 10_000 } } });
const observer = ballast.observer;
const gate = ballast.limits.gate(['api']);
// A socket as a server hands it over: `server` is what observe() watches for connections.
const socket = { server: new EventEmitter() };
socket.server.getConnections = (cb) => cb(null, 1);
const routes = ['/items/:id', '/search', '/users/:id/orders'];

function response() {
  const res = new EventEmitter();
  res.statusCode = 200;
  res.closed = false;
  return res;
}

const cases = {
  baseline(n) {
    for (let i = 0; i < n; i++) response().emit('close');
  },
  observe(n) {
    for (let i = 0; i < n; i++) {
      const res = response();
      const route = routes[i % 3];
      observeNode(observer, socket, res, () => route);
      res.emit('close');
    }
  },
  'observe + gate'(n) {
    for (let i = 0; i < n; i++) {
      const res = response();
      const route = routes[i % 3];
      observeNode(observer, socket, res, () => route);
      if (gate.enter(res) !== 0) throw new Error('not admitted');
      res.emit('close');
    }
  },
};

const results = {};
for (const [name, run] of Object.entries(cases)) {
  run(iterations / 10); // warm-up
  const samples = [];
  for (let r = 0; r < runs; r++) {
    const started = process.hrtime.bigint();
    run(iterations);
    samples.push(Number(process.hrtime.bigint() - started) / iterations);
  }
  samples.sort((a, b) => a - b);
  results[name] = { medianNs: Math.round(samples[Math.floor(runs / 2)] * 10) / 10, minNs: Math.round(samples[0] * 10) / 10 };
  console.error(`${name}: median ${results[name].medianNs} ns/request (min ${results[name].minNs})`);
}
const base = results.baseline.medianNs;
results.observeCostNs = Math.round((results.observe.medianNs - base) * 10) / 10;
results.observePlusGateCostNs = Math.round((results['observe + gate'].medianNs - base) * 10) / 10;
console.error(`observe costs ~${results.observeCostNs} ns/request; observe + limit ~${results.observePlusGateCostNs} ns/request`);
ballast.observer.stop();
console.log(JSON.stringify(results));
