/**
 * An open-loop load generator over a fixed pool of keep-alive connections.
 * Request i is due at t0 + i/rate, whether or not earlier ones were answered, and
 * goes to connection i mod `connections`; a connection sends one request at a time,
 * so a request stuck on a connection holds up the ones queued behind it, as it
 * does for a keep-alive client. Latency counts from the due time, so the wait in
 * that queue and any lateness of this generator are in it (no coordinated omission).
 *
 * Why not autocannon's `overallRate`: it lets each connection send its share of
 * the second back to back and then idle (a burst of `connections` concurrent
 * requests at the top of every second, not a steady rate), and its
 * coordinated-omission correction takes `1 / rate` in seconds as an interval in
 * milliseconds (`Math.ceil(1 / 25)` = 1 ms), adding a synthetic sample for every
 * millisecond of every slow response. Its p99 at a "fixed rate" measured bursts.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export const epochMs = () => performance.timeOrigin + performance.now();

const HEADER_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection answering requests in order; `onAnswer(status)` per response. */
function openConnection(port, onAnswer) {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    for (;;) {
      const headerEnd = buffered.indexOf(HEADER_END);
      if (headerEnd < 0) return;
      const head = buffered.toString('latin1', 0, headerEnd);
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      const end = headerEnd + HEADER_END.length + length;
      if (buffered.length < end) return;
      buffered = buffered.subarray(end);
      onAnswer(Number(head.slice(9, 12)));
    }
  });
  return socket;
}

/**
 * Sends GETs to 127.0.0.1:`port` at `rate` per second for `seconds`, request i to
 * `paths[i % paths.length]`. Resolves with, per request: its path, due, sent and
 * answered times (epoch ms) and status.
 */
export async function paced({ port, paths, rate, seconds, connections }) {
  const total = Math.round(rate * seconds);
  const requests = paths.map((path) => Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`));
  const due = new Float64Array(total);
  const sent = new Float64Array(total);
  const answered = new Float64Array(total).fill(Number.NaN);
  const status = new Int16Array(total);
  let remaining = total;
  let finish;
  let fail;
  const finished = new Promise((resolve, reject) => ((finish = resolve), (fail = reject)));

  const pool = Array.from({ length: connections }, () => {
    const connection = { queue: [], busy: -1 };
    connection.send = () => {
      if (connection.busy >= 0 || connection.queue.length === 0) return;
      const i = connection.queue.shift();
      connection.busy = i;
      sent[i] = epochMs();
      connection.socket.write(requests[i % requests.length]);
    };
    connection.socket = openConnection(port, (code) => {
      const i = connection.busy;
      answered[i] = epochMs();
      status[i] = code;
      connection.busy = -1;
      if (--remaining === 0) finish();
      connection.send();
    });
    connection.socket.on('error', (error) => fail(error));
    return connection;
  });
  await Promise.all(pool.map(({ socket }) => new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject))));

  const intervalMs = 1000 / rate;
  const t0 = epochMs() + 20;
  for (let i = 0; i < total; i++) due[i] = t0 + i * intervalMs;
  let next = 0;
  const tick = () => {
    const now = epochMs();
    while (next < total && due[next] <= now) {
      const connection = pool[next % connections];
      connection.queue.push(next++);
      connection.send();
    }
    if (next < total) setTimeout(tick, Math.max(0, due[next] - epochMs()));
  };
  setTimeout(tick, 20);
  await finished;
  for (const { socket } of pool) socket.destroy();
  return Array.from({ length: total }, (_, i) => ({
    path: paths[i % paths.length],
    due: due[i],
    sent: sent[i],
    answered: answered[i],
    status: status[i],
  }));
}
