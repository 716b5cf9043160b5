// Starts the example and shows Ballast at work: a burst against /search is
// partly shed, an operator retunes the limit through the admin API, and the
// same burst then goes through. Pass --once to exit after the demonstration.
import { randomBytes } from 'node:crypto';
import { createApp } from './app.mjs';
import { burst, patchLimit, printBurst } from '../../shared/demo.mjs';

const port = Number(process.env.PORT ?? 3000);
const adminToken = process.env.BALLAST_ADMIN_TOKEN ?? randomBytes(18).toString('base64url');
const { app, ballast } = createApp({ adminToken });
await ballast.start();

const server = app.listen(port, '127.0.0.1', async () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  console.log(`koa-basic listening on ${base}`);
  console.log(`\n1) 20 concurrent searches against search = { maxConcurrent: 2, maxQueue: 3 }:`);
  printBurst(await burst(`${base}/search?q=ballast`, 20));

  console.log(`\n2) An operator raises the limit at runtime, no restart:`);
  const curl = `curl -X PATCH ${base}/_ballast/limits/search -H 'Authorization: Bearer ${adminToken}' -H 'Content-Type: application/json' -d '{"maxConcurrent":20}'`;
  console.log(`   ${curl}`);
  const view = await patchLimit(base, adminToken, 'search', { maxConcurrent: 20 });
  console.log(`   → version ${view.version}, settings ${JSON.stringify(view.settings)}`);

  console.log(`\n3) The same burst again:`);
  printBurst(await burst(`${base}/search?q=ballast`, 20));

  console.log(`\nTry it yourself:\n   curl ${base}/_ballast/limits -H 'Authorization: Bearer ${adminToken}'\n   ${curl.replace('20', '0')}   # closes /search\n   curl -i ${base}/search`);
  if (process.argv.includes('--once')) {
    server.close();
    await ballast.stop();
  } else {
    console.log('\n(Ctrl-C to stop)');
  }
});

const shutdown = () => server.close(() => ballast.stop().then(() => process.exit(0)));
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
