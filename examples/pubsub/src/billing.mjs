// The billing service: handles each `order.created` once (dedupe in its
// database, in the same transaction as the invoice row) and publishes
// `invoice.issued` back. A v2 field (`currency`) is read when present.
import { z } from 'zod';
import { createBallast } from '@ballast/core';
import { brokers, database } from './brokers.mjs';

const ballast = createBallast({ brokers, outbox: { ...database('billing'), destinations: {} } });
const schema = z.object({ orderId: z.string(), totalCents: z.number().int() });
ballast.subscribe('order.created', { group: 'billing', dedupe: 'postgres', schema }, async (order, ctx) => {
  await ctx.client.query('CREATE TABLE IF NOT EXISTS invoices (order_id text PRIMARY KEY, total_cents integer, currency text)');
  await ctx.client.query('INSERT INTO invoices VALUES ($1, $2, $3)', [order.orderId, order.totalCents, order.currency ?? 'EUR']);
  const { broker } = await ballast.publish('invoice.issued', { orderId: order.orderId, invoiceId: `inv-${order.orderId}` });
  process.stdout.write(`billing: invoiced order ${order.orderId} (received via ${ctx.broker}, reply via ${broker})\n`);
});

ballast.events.on('message:dead', (d) => process.stderr.write(`billing: ${d.topic} ${d.id} dead (${d.reason}: ${d.error})\n`));

await ballast.start();
process.send?.({ type: 'ready' });
// Ends with the demo that started it, even when that one is killed.
process.on('disconnect', () => process.exit(0));
process.on('message', async (m) => {
  if (m?.type !== 'stop') return;
  await ballast.stop();
  process.exit(0);
});
