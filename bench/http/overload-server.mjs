/**
 * Child process for the overload bench. The handler uses a downstream with two
 * slots (think of a pool of two database connections) for 20 ms each, so the
 * service can answer about 100 req/s. Mode `ballast` puts `limit('work')`
 * (maxConcurrent 2, small queue with a deadline) in front; mode `bare` does
 * not, so excess requests wait in the downstream's unbounded queue.
 */
import { createServer } from 'node:http';
import { createBallast } from '@ballast/core';
import { ballastExpress } from '@ballast/express';
import express from 'express';

const [mode, slots, holdMs, maxQueue, queueTimeoutMs] = process.argv.slice(2);

/** A FIFO semaphore: the downstream's own (unbounded) wait list. */
function downstream(capacity) {
  let free = capacity;
  const waiting = [];
  const release = () => {
    const next = waiting.shift();
    if (next === undefined) free++;
    else next();
  };
  return function use(holdForMs) {
    return new Promise((resolve) => {
      const run = () => setTimeout(() => (release(), resolve()), holdForMs);
      if (free > 0) {
        free--;
        run();
      } else waiting.push(run);
    });
  };
}

const use = downstream(Number(slots));
const app = express();
app.disable('x-powered-by');

// Server-side time from the first middleware to `res.end()`, by status, so a slow
// client or a busy machine can be told apart from a slow shed path.
const serverMs = new Map();
app.use((_req, res, next) => {
  const start = process.hrtime.bigint();
  const end = res.end;
  res.end = function timedEnd(...args) {
    const list = serverMs.get(res.statusCode) ?? [];
    list.push(Number(process.hrtime.bigint() - start) / 1e6);
    serverMs.set(res.statusCode, list);
    return end.apply(this, args);
  };
  next();
});
const handler = async (_req, res) => {
  await use(Number(holdMs));
  res.json({ ok: true });
};
if (mode === 'ballast') {
  const ballast = createBallast({
    limits: {
      work: { maxConcurrent: Number(slots), maxQueue: Number(maxQueue), queueTimeoutMs: Number(queueTimeoutMs) },
    },
  });
  app.get('/', ballastExpress(ballast).limit('work'), handler);
} else if (mode === 'bare') {
  app.get('/', handler);
} else {
  throw new Error(`unknown mode: ${mode}`);
}

const server = createServer(app);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send({ type: 'listening', port: server.address().port }));
process.on('message', (message) => {
  if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send({ type: 'cpu', micros: user + system });
  } else if (message.type === 'timings') {
    process.send({ type: 'timings', byStatus: Object.fromEntries(serverMs) });
    serverMs.clear();
  }
});
process.on('SIGTERM', () => process.exit(0));
