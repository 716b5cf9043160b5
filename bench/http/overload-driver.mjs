/**
 * Child process: an OPEN-LOOP load driver. Request i is sent at t0 + i/rate,
 * whether or not earlier ones were answered (unlike autocannon, which waits for
 * a response before sending the next request on a connection and so hides
 * queueing). Prints a JSON summary on its last line.
 *
 * usage: overload-driver.mjs <url> <ratePerSecond> <seconds> <drainMs>
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { quantile } from './lib/stats.mjs';

const [url, rateArg, secondsArg, drainArg] = process.argv.slice(2);
const rate = Number(rateArg);
const total = Math.round(rate * Number(secondsArg));
const drainMs = Number(drainArg);
const intervalMs = 1000 / rate;
const agent = new Agent({ keepAlive: true, maxSockets: 4096 });

/** Per request: scheduled and actual send time, answer time, status (0 = no answer, -1 = error). */
const scheduled = new Float64Array(total);
const sent = new Float64Array(total);
const answered = new Float64Array(total).fill(Number.NaN);
const status = new Int16Array(total);
let outstanding = 0;

function send(i) {
  sent[i] = performance.now();
  outstanding++;
  const req = request(url, { agent }, (res) => {
    res.resume();
    res.on('end', () => {
      answered[i] = performance.now();
      status[i] = res.statusCode;
      outstanding--;
    });
  });
  req.on('error', () => {
    if (status[i] === 0) {
      status[i] = -1;
      outstanding--;
    }
  });
  req.end();
}

const t0 = performance.now() + 20;
for (let i = 0; i < total; i++) scheduled[i] = t0 + i * intervalMs;

await new Promise((resolve) => {
  let next = 0;
  const tick = () => {
    const now = performance.now();
    while (next < total && scheduled[next] <= now) send(next++);
    if (next < total) setTimeout(tick, Math.max(0, scheduled[next] - performance.now()));
    else resolve();
  };
  setTimeout(tick, Math.max(0, t0 - performance.now()));
});
const lastScheduled = scheduled[total - 1];
while (outstanding > 0 && performance.now() < lastScheduled + drainMs) await new Promise((r) => setTimeout(r, 10));

const ok = [];
const shed = [];
let good = 0;
let other = 0;
let unanswered = 0;
const sendLag = [];
for (let i = 0; i < total; i++) {
  sendLag.push(sent[i] - scheduled[i]);
  const fromScheduled = answered[i] - scheduled[i];
  if (status[i] >= 200 && status[i] < 300) {
    ok.push({ fromScheduled, fromSent: answered[i] - sent[i] });
    if (fromScheduled <= 1000) good++;
  } else if (status[i] === 503) shed.push({ fromScheduled, fromSent: answered[i] - sent[i] });
  else if (status[i] === 0) unanswered++;
  else other++;
}
const p = (list, key, q) => quantile(list.map((x) => x[key]), q);
agent.destroy();
console.log(
  JSON.stringify({
    rate,
    seconds: Number(secondsArg),
    sent: total,
    ok: ok.length,
    shed: shed.length,
    other,
    unanswered,
    goodWithin1s: good,
    okP50Ms: p(ok, 'fromScheduled', 0.5),
    okP99Ms: p(ok, 'fromScheduled', 0.99),
    okMaxMs: p(ok, 'fromScheduled', 1),
    shedP50Ms: p(shed, 'fromSent', 0.5),
    shedP99Ms: p(shed, 'fromSent', 0.99),
    shedP99FromScheduledMs: p(shed, 'fromScheduled', 0.99),
    sendLagP99Ms: quantile(sendLag, 0.99),
  }),
);
process.exit(0);
