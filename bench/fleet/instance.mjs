// One service instance of the propagation bench: built @ballast/core in fleet mode.
// Reports over IPC the moment each limit change is applied here (the limit is
// enforced from that moment), stamped on the machine's clock so the parent can
// subtract the time it sent the PATCH.
import { performance } from 'node:perf_hooks';
import { createBallast } from '@ballast/core';

const { database, secret } = JSON.parse(process.env.BENCH_FLEET ?? '{}');
const ballast = createBallast({
  limits: { api: { maxConcurrent: 100 } },
  admin: { tokens: { bench: { secret, role: 'write' } } },
  fleet: { database },
});
ballast.events.on('limit:updated', ({ after }) => {
  const at = performance.timeOrigin + performance.now();
  process.send?.({ type: 'applied', maxConcurrent: after.maxConcurrent, at });
});
await ballast.start();
const admin = await ballast.admin.listen({ port: 0 });
process.send?.({ type: 'ready', adminPort: admin.port });
process.on('message', async (m) => {
  if (m?.type !== 'stop') return;
  await admin.close();
  await ballast.stop();
  process.exit(0);
});
