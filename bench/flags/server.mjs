/** Child process: one Express variant on a free port; reports its port and CPU time over IPC. */
import express from 'express';
import { createBallast } from '@ballast/core';
import { ballastExpress } from '@ballast/express';

const variants = {
  /** Express alone. */
  bare: () => {
    const app = express();
    app.get('/checkout', (req, res) => res.json({ checkout: 'classic' }));
    return app;
  },
  /** Express with Ballast's observe(), mounted as the README says, and no flag. */
  observe: () => {
    const b = ballastExpress(createBallast({ stage: 'beta', flags: { newCheckout: { stage: 'beta', percent: 10 } } }));
    const app = express();
    app.use(b.observe());
    app.get('/checkout', (req, res) => res.json({ checkout: 'classic' }));
    return app;
  },
  /** The same app, evaluating one flag per request with a sticky key from a header. */
  'observe+flag': () => {
    const ballast = createBallast({
      stage: 'beta',
      rollout: { cohort: (r) => ({ key: r.header('x-account-id') }) },
      flags: { newCheckout: { stage: 'beta', percent: 10 } },
    });
    const b = ballastExpress(ballast);
    const app = express();
    app.use(b.observe());
    app.get('/checkout', (req, res) => res.json({ checkout: req.ballast.flag('newCheckout') ? 'new' : 'classic' }));
    return app;
  },
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
