/**
 * In-process cost of one read, without HTTP: a healthy dependency (closed
 * breaker) and a dead one (open breaker, answered by the fallback). Ballast's
 * `dependency(name).read` against `opossum.fire` with a fallback, both awaiting
 * an already-resolved call, so what is timed is the breaker's own work.
 */
import CircuitBreaker from 'opossum';
import { createBallast } from '@ballast/core';

const CALLS = Number(process.env.BENCH_MICRO_CALLS ?? 200_000);
const settings = { timeoutMs: 200, errorThresholdPercentage: 50, volumeThreshold: 5, resetTimeoutMs: 600_000 };
const fail = () => Promise.reject(new Error('down'));
const ok = () => Promise.resolve('live');
// Declares the signal, so Ballast creates an AbortController for the call.
const okWithSignal = (signal) => Promise.resolve(signal.aborted ? 'aborted' : 'live');
const fallback = () => 'fallback';

async function nsPerCall(read) {
  for (let i = 0; i < 20_000; i++) await read(); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) await read();
  return Number(process.hrtime.bigint() - started) / CALLS;
}

async function ballastCase(healthy, call = healthy ? ok : fail) {
  const ballast = createBallast({ dependencies: { dep: settings } });
  const dep = ballast.dependency('dep');
  if (!healthy) for (let i = 0; i < 5; i++) await dep.read(fail, { fallback });
  const ns = await nsPerCall(() => dep.read(call, { fallback }));
  const state = dep.state;
  await ballast.stop();
  return { ns, state };
}

async function opossumCase(healthy) {
  let fn = ok;
  const breaker = new CircuitBreaker(() => fn(), {
    timeout: settings.timeoutMs,
    errorThresholdPercentage: settings.errorThresholdPercentage,
    volumeThreshold: settings.volumeThreshold,
    resetTimeout: settings.resetTimeoutMs,
  });
  breaker.fallback(fallback);
  if (!healthy) {
    fn = fail;
    for (let i = 0; i < 5; i++) await breaker.fire();
  }
  const ns = await nsPerCall(() => breaker.fire());
  const state = breaker.opened ? 'open' : 'closed';
  breaker.shutdown();
  return { ns, state };
}

export async function runMicro() {
  const rows = [];
  for (const healthy of [true, false]) {
    const b = await ballastCase(healthy);
    const o = await opossumCase(healthy);
    rows.push({ name: healthy ? 'read(), healthy (closed)' : 'read(), dead (open, fallback)', ballast: b, opossum: o });
  }
  // Opossum gives no per-call signal; its row repeats the plain healthy case.
  rows.splice(1, 0, { name: 'read(), healthy, fn takes the AbortSignal', ballast: await ballastCase(true, okWithSignal), opossum: rows[0].opossum });
  return rows;
}
