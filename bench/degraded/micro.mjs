/**
 * In-process cost of one read, without HTTP: a healthy dependency (closed
 * breaker) and a dead one (open breaker, answered by the fallback). Ballast's
 * `dependency(name).read` against `opossum.fire` with a fallback, both awaiting
 * an already-resolved call, so what is timed is the breaker's own work. Then the
 * CPU of one half-open probe cycle (the read that lets the probe out, its start,
 * its timeout and abort) with a call that hangs until its signal fires.
 */
import { setTimeout as sleep } from 'node:timers/promises';
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

/** A call to a dead dependency: it hangs until its signal fires, as fetch does. */
const hang = (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
const PROBE = { timeoutMs: 2, resetTimeoutMs: 1 };
const PROBE_CYCLES = Math.max(50, Math.round(CALLS / 200));

/** Microseconds of process CPU per `cycle`, after a warm-up. */
async function cpuUsPerCycle(cycle) {
  for (let i = 0; i < 20; i++) await cycle();
  const before = process.cpuUsage();
  for (let i = 0; i < PROBE_CYCLES; i++) await cycle();
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / PROBE_CYCLES;
}

/**
 * One cycle: wait out the reset timeout, read once, wait out the call's timeout.
 * `probing` false keeps the breaker open (a reset timeout out of reach): the same
 * loop with no probe, whose CPU is the timers' and the loop's, not the probe's.
 */
async function ballastProbeCycle(probing) {
  const ballast = createBallast({ dependencies: { dep: { ...PROBE, volumeThreshold: 1, resetTimeoutMs: probing ? PROBE.resetTimeoutMs : 600_000 } } });
  const dep = ballast.dependency('dep');
  await dep.read(hang, { fallback });
  const us = await cpuUsPerCycle(async () => {
    await sleep(PROBE.resetTimeoutMs + 1);
    await dep.read(hang, { fallback });
    await sleep(PROBE.timeoutMs + 2);
  });
  const probes = dep.stats.calls;
  await ballast.stop();
  return { us, probes };
}

async function opossumProbeCycle(probing) {
  const breaker = new CircuitBreaker(() => hang(breaker.getSignal()), {
    timeout: PROBE.timeoutMs,
    errorThresholdPercentage: settings.errorThresholdPercentage,
    volumeThreshold: 1,
    resetTimeout: probing ? PROBE.resetTimeoutMs : 600_000,
    abortController: new AbortController(),
    autoRenewAbortController: true,
  });
  breaker.fallback(fallback);
  await breaker.fire();
  // Opossum's probe rides on the read: it takes the timeout, so this cycle waits less after it.
  const us = await cpuUsPerCycle(async () => {
    await sleep(PROBE.resetTimeoutMs + 1);
    await breaker.fire();
    if (!probing) await sleep(PROBE.timeoutMs + 2);
  });
  const probes = breaker.stats.fires - breaker.stats.rejects;
  breaker.shutdown();
  return { us, probes };
}

/** CPU per probe cycle above the same loop without a probe, in microseconds; with how many calls reached the dependency. */
export async function runProbeMicro() {
  const [b, bOpen, o, oOpen] = [await ballastProbeCycle(true), await ballastProbeCycle(false), await opossumProbeCycle(true), await opossumProbeCycle(false)];
  return { cycles: PROBE_CYCLES, ballast: { us: b.us - bOpen.us, probes: b.probes }, opossum: { us: o.us - oOpen.us, probes: o.probes } };
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
