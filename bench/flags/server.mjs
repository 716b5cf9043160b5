/** Child process: one Express variant on a free port; reports its port and CPU time over IPC. */
import express from 'express';
import { createBallast } from '@ballast/core';
import { ballastExpress } from '@ballast/express';

const flags = { newCheckout: { stage: 'beta', percent: 10 } };
/** Express with Ballast's observe() mounted as the README says, the same instance options for both variants. */
function withBallast(handler, path = '/checkout') {
  const b = ballastExpress(createBallast({ stage: 'beta', rollout: { cohort: (r) => ({ key: r.header('x-account-id') }) }, flags }));
  const app = express();
  app.use(b.observe());
  app.get(path, handler);
  return app;
}

// Bodies of one length in every variant ('new' / 'old'), so that only the flag differs.
const variants = {
  /** Express alone. */
  bare: () => {
    const app = express();
    app.get('/checkout', (req, res) => res.json({ checkout: 'old' }));
    return app;
  },
  /** Express with observe(), no flag. */
  observe: () => withBallast((req, res) => res.json({ checkout: 'old' })),
  /** The same app, evaluating one flag per request with a sticky key from a header (the hashing path). */
  'observe+flag': () => withBallast((req, res) => res.json({ checkout: req.ballast.flag('newCheckout') ? 'new' : 'old' })),
  /**
   * Both in one process (`--process=one`): `/flag/checkout` evaluates the flag,
   * `/plain/checkout` does not; one route, so both match alike, and the same code
   * otherwise. Measured in turn, the two differ by the flag alone, not by what a
   * fresh process's code and heap layout do to its speed (2-5% from one process to the next).
   */
  routes: () => withBallast((req, res) => res.json({ checkout: req.params.mode === 'flag' && req.ballast.flag('newCheckout') ? 'new' : 'old' }), '/:mode/checkout'),
};

const make = variants[process.argv[2]];
if (make === undefined) throw new Error(`unknown variant: ${process.argv[2]}`);
const server = make().listen(0, '127.0.0.1', () => process.send({ type: 'listening', port: server.address().port }));
server.keepAliveTimeout = 60_000;
process.on('message', (message) => {
  if (message.type !== 'cpu') return;
  const { user, system } = process.cpuUsage();
  process.send({ type: 'cpu', micros: user + system });
});
process.on('SIGTERM', () => process.exit(0));
