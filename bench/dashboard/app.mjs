// The app the dashboard bench measures, in its own process so that its CPU time
// per request is its own: Express + Ballast with two limits, a dependency, an
// outbox destination (embedded PGlite in a temporary directory) and asserts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { PermanentDeliveryError, createBallast } from '@ballast/core';
import { ballastExpress } from '@ballast/express';

export const TOKEN = 'bench-dashboard-token-0123456789';

const dir = await mkdtemp(join(tmpdir(), 'ballast-bench-dashboard-'));
const ballast = createBallast({
  limits: {
    api: { maxConcurrent: 64, maxQueue: 128, queueTimeoutMs: 2000 },
    search: { maxConcurrent: 4, maxQueue: 4, queueTimeoutMs: 1000, ratePerSecond: 40 },
  },
  dependencies: { profiles: { timeoutMs: 100, volumeThreshold: 5, resetTimeoutMs: 2000 } },
  outbox: {
    dataDir: join(dir, 'pglite'),
    destinations: {
      billing: {
        deliver: async (message) => {
          if (message.payload.amount % 7 === 0) throw new PermanentDeliveryError('billing answered 422: amount refused');
        },
      },
    },
    worker: { pollIntervalMs: 200 },
  },
  asserts: { latency: 'p99(latency) < 250ms', shedding: 'shed_rate(search) < 5%', backlog: 'oldest_age(billing) < 30s' },
  admin: { tokens: { ops: { secret: TOKEN, role: 'write' } } },
});
await ballast.start();

const b = ballastExpress(ballast);
const app = express();
app.use(b.observe());
app.use('/_ballast', b.admin());
app.use(b.limit('api'));
app.get('/search', b.limit('search'), async (_req, res) => {
  await new Promise((resolve) => setTimeout(resolve, 60));
  res.json({ results: [] });
});
let profileCalls = 0;
app.get('/profile/:id', async (req, res) => {
  const profile = await req.ballast.read(
    'profiles',
    async () => {
      // Every fourth call fails, so the breaker shows an error share.
      if (++profileCalls % 4 === 0) throw new Error('profiles: 500');
      return { id: req.params.id, name: 'Ada' };
    },
    { fallback: () => ({ name: 'guest' }) },
  );
  res.json(profile);
});
let amount = 0;
app.post('/orders', async (req, res) => {
  res.status(202).json(await req.ballast.desync('billing', { amount: ++amount }));
});

const server = app.listen(0, '127.0.0.1');
server.once('listening', () => process.send({ port: server.address().port }));

const request = (path) => ({
  method: 'GET',
  path,
  query: '',
  header: (name) => (name === 'authorization' ? `Bearer ${TOKEN}` : undefined),
  body: { kind: 'parsed', value: undefined },
});

process.on('message', async (message) => {
  if (message.cmd === 'cpu') process.send({ cpu: process.cpuUsage() });
  if (message.cmd === 'snapshot') {
    // What a push (server-sent events) would do each second: build the same overview, without an HTTP request.
    const before = process.cpuUsage();
    for (let i = 0; i < message.n; i++) await ballast.admin.handle(request('/overview'));
    const used = process.cpuUsage(before);
    process.send({ snapshotCpuMicros: (used.user + used.system) / message.n });
  }
  if (message.cmd === 'stop') {
    server.closeAllConnections();
    server.close();
    await ballast.stop();
    await rm(dir, { recursive: true, force: true });
    process.exit(0);
  }
});
