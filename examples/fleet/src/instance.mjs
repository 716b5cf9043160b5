// One instance of the service: an Express app whose limits follow the fleet.
// Every instance is started with the same code; they share one PostgreSQL.
import express from 'express';
import { createBallast } from '@ballast/core';
import { ballastExpress } from '@ballast/express';

const { name, database, adminToken } = JSON.parse(process.env.FLEET_INSTANCE ?? '{}');

const ballast = createBallast({
  limits: { search: { maxConcurrent: 2, maxQueue: 3, queueTimeoutMs: 500 } },
  admin: { tokens: { ops: { secret: adminToken, role: 'write' } } },
  // Overrides are stored in PostgreSQL and announced with NOTIFY: a retune through
  // any instance reaches every instance, and survives restarts.
  fleet: { database },
});
ballast.events.on('limit:updated', ({ name: limit, actor, after }) =>
  console.log(`   [${name}] ${limit} is now maxConcurrent=${after.maxConcurrent} (changed by ${actor})`),
);

const b = ballastExpress(ballast);
const app = express();
app.get('/search', b.limit('search'), async (_req, res) => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  res.json({ instance: name, results: [] });
});
app.use('/_ballast', b.admin());

await ballast.start();
const server = app.listen(0, '127.0.0.1', () => process.send?.({ type: 'ready', port: server.address().port }));
process.on('message', (m) => {
  if (m?.type === 'stop') server.close(() => ballast.stop().then(() => process.exit(0)));
});
