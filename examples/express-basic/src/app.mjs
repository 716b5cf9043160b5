// An Express 5 service protected by Ballast: limits on its code paths, a
// degraded read from a profile service, writes to billing through the outbox,
// an assert, a feature flag rolled out ring by ring, and the admin API under /_ballast.
import express from 'express';
import { ballastExpress } from '@ballast/express';
import { fetchProfile } from '../../shared/downstreams.mjs';
import { createExampleBallast, newCheckout } from '../../shared/config.mjs';

export function createApp({ adminToken, profilesUrl, billingUrl }) {
  const ballast = createExampleBallast({ adminToken, billingUrl });
  const b = ballastExpress(ballast);
  const app = express();

  app.use(b.observe());
  app.use('/_ballast', b.admin());
  app.use(b.limit('api'));

  // A slow code path: each search holds its slot for 250 ms.
  app.get('/search', b.limit('search'), async (req, res) => {
    await new Promise((resolve) => setTimeout(resolve, 250));
    res.json({ q: req.query.q ?? '', results: ['a', 'b', 'c'] });
  });

  // A read that degrades: last good value first, else a guest profile.
  app.get('/profile/:id', async (req, res) => {
    const { id } = req.params;
    const profile = await req.ballast.read('profiles', (signal) => fetchProfile(profilesUrl, id, signal), {
      fallback: () => ({ id, name: 'guest' }),
      cacheKey: `profile:${id}`,
    });
    res.json(profile);
  });

  // A feature behind a flag: the new checkout (slow, as it turns out) or the old one.
  app.get('/checkout', async (req, res) => {
    if (req.ballast.flag('newCheckout')) return res.json(await newCheckout());
    res.json({ checkout: 'classic' });
  });

  // A write that must not be lost: buffered in the outbox, delivered by the worker.
  app.post('/orders', express.json(), async (req, res) => {
    const result = await req.ballast.desync('billing', { order: req.body }, { key: String(req.body.accountId ?? 'anon') });
    res.status(result.status === 'delivered' ? 200 : 202).json(result);
  });

  // Last: Ballast's errors (an outbox past maxPending, ...) answer JSON like a shed, not Express's HTML page.
  app.use(b.errors());

  return { app, ballast };
}
