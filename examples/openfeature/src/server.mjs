// Ballast's flags read through OpenFeature. Run: `node examples/openfeature/src/server.mjs`
// (after `pnpm build`); `--once` runs the walkthrough below and exits.
//   GET /checkout           answers which checkout the account in X-Account-Id gets
//   /_ballast/...           the admin API (promote the flag with POST /_ballast/flags/newCheckout/promote)
import { createBallast } from '@ballast/core';
import { ballastExpress } from '@ballast/express';
import { BallastProvider } from '@ballast/openfeature';
import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import express from 'express';

const token = process.env.BALLAST_ADMIN_TOKEN ?? 'example-admin-token-0123';
const ballast = createBallast({
  stage: process.env.BALLAST_STAGE ?? 'beta', // this instance serves the beta ring
  flags: { newCheckout: { stage: 'beta', percent: 10 } },
  admin: { tokens: { ops: { secret: token, role: 'write' } } },
});

OpenFeature.addHandler(ProviderEvents.Ready, () => console.log('openfeature: PROVIDER_READY'));
OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, (e) => console.log(`openfeature: PROVIDER_CONFIGURATION_CHANGED ${e?.flagsChanged}`));
await OpenFeature.setProviderAndWait(new BallastProvider(ballast)); // starts Ballast
const flags = OpenFeature.getClient();

const app = express();
const b = ballastExpress(ballast);
app.use(b.observe());
app.get('/checkout', async (req, res) => {
  // The account id is the sticky key: the same account keeps its answer while the percentage grows.
  const details = await flags.getBooleanDetails('newCheckout', false, { targetingKey: req.get('x-account-id') ?? '' });
  res.json({ checkout: details.value ? 'new' : 'classic', reason: details.reason });
});
app.use('/_ballast', b.admin());

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${server.address().port}`;
console.log(`listening on ${base}`);

if (process.argv.includes('--once')) {
  const newCheckouts = async () => {
    let count = 0;
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${base}/checkout`, { headers: { 'x-account-id': `account-${i}` } });
      if ((await res.json()).checkout === 'new') count++;
    }
    return count;
  };
  console.log(`beta 10 %: ${await newCheckouts()} of 100 accounts get the new checkout`);
  const res = await fetch(`${base}/_ballast/flags/newCheckout/promote`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  console.log(`promote: ${res.status} -> ${JSON.stringify((await res.json()).state)}`);
  console.log(`beta 100 %: ${await newCheckouts()} of 100 accounts get the new checkout`);
  server.close();
  await OpenFeature.close();
  await ballast.stop();
}
