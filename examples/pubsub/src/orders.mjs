// The orders service (Express): POST /orders stores the order's event in the
// outbox, which publishes it as `order.created` on one of the brokers; it
// listens for `invoice.issued` from billing.
import express from 'express';
import { createBallast, publishDestination } from '@ballast/core';
import { ballastExpress } from '@ballast/express';
import { brokers, database } from './brokers.mjs';

const ballast = createBallast({
  brokers,
  outbox: { ...database('orders'), destinations: { events: { deliver: publishDestination('order.created') } } },
  admin: { tokens: { ops: { secret: process.env.BALLAST_ADMIN_TOKEN, role: 'write' } } },
});
const invoiced = new Map();
ballast.subscribe('invoice.issued', { group: 'orders' }, (message) => {
  invoiced.set(message.orderId, message.invoiceId);
});

const b = ballastExpress(ballast);
const app = express();
app.use('/_ballast', b.admin());
app.post('/orders/:id', async (req, res) => {
  const order = { orderId: req.params.id, totalCents: 1999, currency: 'EUR' };
  // Through the outbox: accepted even while every broker is down, published once one is back.
  await ballast.outbox.enqueue('events', order);
  res.status(202).json(order);
});
app.get('/invoiced', (_req, res) => res.json(Object.fromEntries(invoiced)));

await ballast.start();
const server = app.listen(0, '127.0.0.1', () => process.send?.({ type: 'ready', port: server.address().port }));
// Ends with the demo that started it, even when that one is killed.
process.on('disconnect', () => process.exit(0));
process.on('message', async (m) => {
  if (m?.type !== 'stop') return;
  server.close();
  await ballast.stop();
  process.exit(0);
});
