// Failover: a Redis broker of our own (redis-server on a free port) carries the
// traffic; it is SIGKILLed while a publisher loops, and we time the first
// publish another broker (NATS) confirms after the kill.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBallast } from '../../packages/core/dist/index.js';

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

const accepts = (port) =>
  new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

export async function measureFailover({ nats, kills }) {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-bench-'));
  const port = await freePort();
  let redis;
  const startRedis = async () => {
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir], { stdio: 'ignore' });
    while (!(await accepts(port))) await new Promise((r) => setTimeout(r, 50));
  };
  await startRedis();
  const ballast = createBallast({ brokers: { redis: { type: 'redis-streams', url: `redis://127.0.0.1:${port}` }, nats } });
  await ballast.start();
  const times = [];
  try {
    for (let k = 0; k < kills; k++) {
      // Wait until Redis carries the traffic again (it confirms fastest).
      while ((await ballast.publish('bench.failover', { k }).catch(() => ({}))).broker !== 'redis') await new Promise((r) => setTimeout(r, 20));
      let killedAt = 0;
      let firstOther;
      const loop = (async () => {
        while (firstOther === undefined) {
          const receipt = await ballast.publish('bench.failover', { k }).catch(() => undefined);
          if (killedAt > 0 && receipt !== undefined && receipt.broker !== 'redis') firstOther = performance.now();
        }
      })();
      await new Promise((r) => setTimeout(r, 200));
      const exited = once(redis, 'exit');
      killedAt = performance.now();
      redis.kill('SIGKILL');
      await loop;
      times.push(firstOther - killedAt);
      await exited;
      await startRedis();
    }
  } finally {
    await ballast.stop();
    redis.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  return times;
}
