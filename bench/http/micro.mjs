/**
 * Micro benchmark of the admission hot path, not saturated: ns per admit + release.
 * Prints a JSON summary on its last line (run.mjs pins it to one core).
 *
 *   limiter:        Limiter.acquire() + release()
 *   gate (fake):    Gate.enter(lifetime) on an object that only records the close
 *                   listener, then fires it (the gate's own cost)
 *   gate (emitter): the same on a real EventEmitter, emitting 'close' (adds what
 *                   listener bookkeeping costs on a node ServerResponse)
 */
import { EventEmitter } from 'node:events';
import { createBallast } from '@ballast/core';

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
  'gate (EventEmitter)'(n) {
    for (let i = 0; i < n; i++) {
      const lifetime = new EventEmitter();
      lifetime.closed = false;
      if (gate.enter(lifetime) !== 0) throw new Error('not admitted');
      lifetime.emit('close');
    }
  },
  // What a fresh EventEmitter + emit costs alone, to subtract from the line above.
  'EventEmitter alone'(n) {
    const noop = () => {};
    for (let i = 0; i < n; i++) {
      const lifetime = new EventEmitter();
      lifetime.on('close', noop);
      lifetime.emit('close');
    }
  },
};

function nsPerOp(run) {
  const start = process.hrtime.bigint();
  run(iterations);
  return Number(process.hrtime.bigint() - start) / iterations;
}

const results = {};
for (const [name, run] of Object.entries(cases)) {
  run(iterations); // warm-up: let the JIT optimise before measuring
  const samples = Array.from({ length: runs }, () => nsPerOp(run)).sort((a, b) => a - b);
  results[name] = { medianNs: samples[Math.floor(samples.length / 2)], minNs: samples[0], maxNs: samples[samples.length - 1] };
  if (limiter.running !== 0) throw new Error(`${name} leaked ${limiter.running} slots`);
}
console.log(JSON.stringify({ iterations, runs, results }));
