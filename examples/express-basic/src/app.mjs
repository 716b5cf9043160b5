// An Express 5 service protected by Ballast: a global `api` limit, a tighter
// `search` limit, and the admin API under /_ballast.
import express from 'express';
import { createBallast } from '@ballast/core';
import { ballastExpress } from '@ballast/express';

export function createApp({ adminToken }) {
  const ballast = createBallast({
    limits: {
      api: { maxConcurrent: 64, maxQueue: 128, queueTimeoutMs: 2000 },
      search: { maxConcurrent: 2, maxQueue: 3, queueTimeoutMs: 500 },
    },
    admin: { tokens: { ops: { secret: adminToken, role: 'write' } } },
  });
  const b = ballastExpress(ballast);
  const app = express();

  app.use('/_ballast', b.admin());
  app.use(b.limit('api'));

  // A slow code path: each search holds its slot for 100 ms.
  app.get('/search', b.limit('search'), async (req, res) => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    res.json({ q: req.query.q ?? '', results: ['a', 'b', 'c'] });
  });

  app.get('/', (_req, res) => res.json({ service: 'express-basic', try: ['/search?q=x', '/_ballast/limits'] }));

  return { app, ballast };
}
