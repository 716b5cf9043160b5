// What one HTTP delivery costs this process, without PostgreSQL: N POSTs at a fixed concurrency to the
// bench receiver (in this process, as in run.mjs) through Ballast's httpDestination and through the
// plain poster the other systems' tasks use. Reports CPU µs per message (process.cpuUsage: steadier
// than wall-clock on a busy machine), interleaved over rounds, medians.
//   node bench/outbox/http-cost.mjs [--n=20000] [--concurrency=32] [--rounds=3] [--batch=250]
// POSTs share one AbortSignal per 250 (--batch), as the worker's deliveries share their claimed batch's:
// what a long-lived signal holds decides what the young collections can free (see README).
// BALLAST_CORE=<path to a built index.js> measures another build (BALLAST_CORE_B adds a second one).
import { setMaxListeners } from 'node:events';
import { makePoster, startReceiver } from './lib/receiver.mjs';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const n = Number(args.get('n') ?? 20_000);
const concurrency = Number(args.get('concurrency') ?? 32);
const rounds = Number(args.get('rounds') ?? 3);
const batch = Number(args.get('batch') ?? 250);

const builds = [['ballast', process.env.BALLAST_CORE ?? '@ballast/core']];
if (process.env.BALLAST_CORE_B) builds.push(['ballast B', process.env.BALLAST_CORE_B]);
const receiver = await startReceiver();
const senders = [['plain poster', makePoster(receiver.url, concurrency)]];
for (const [label, path] of builds) {
  const { httpDestination } = await import(path);
  const deliver = httpDestination(receiver.url);
  let controller;
  const signalFor = (i) => {
    if (i % batch === 0 || controller === undefined) {
      controller = new AbortController();
      setMaxListeners(0, controller.signal);
    }
    return controller.signal;
  };
  senders.push([label, (i) => deliver({ id: String(i), destination: 'bench', key: undefined, idempotencyKey: `ik-${i}`, payload: { i }, attempt: 1 }, signalFor(i))]);
}

async function cpuPerMessage(send) {
  let next = 0;
  const before = process.cpuUsage();
  const lane = async () => {
    while (next < n) await send({ i: next++ }.i);
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / n;
}

const samples = new Map(senders.map(([label]) => [label, []]));
for (const [, send] of senders) await cpuPerMessage(send); // warm-up
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < senders.length; k++) {
    const [label, send] = senders[(round + k) % senders.length];
    samples.get(label).push(await cpuPerMessage(send));
  }
}
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
console.log(`${n} POSTs x ${rounds} rounds, concurrency ${concurrency}; load ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const [label, v] of samples) console.log(`${label.padEnd(14)} ${median(v).toFixed(1)} µs/msg (${v.map((x) => x.toFixed(1)).join(', ')})`);
senders[0][1].close();
await receiver.close();
process.exit(0);
