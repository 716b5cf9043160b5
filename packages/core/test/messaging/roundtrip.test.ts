import { afterEach, describe, expect, it } from 'vitest';
import { createBallast, type Ballast, type BallastOptions, type Message, type MessageContext } from '@ballast/core';
import { until } from '@ballast/testkit';
import { onlyBroker, uniqueGroup, uniqueTopic } from './brokers.js';

const running: Ballast[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((b) => b.stop()));
});

async function started(options: BallastOptions): Promise<Ballast> {
  const ballast = createBallast(options);
  running.push(ballast);
  await ballast.start();
  return ballast;
}

describe.each(['redis', 'nats', 'rabbit'] as const)('publish one, subscribe many over %s', (broker) => {
  it('delivers a published message with its envelope to every group once', async () => {
    const topic = uniqueTopic();
    const subscriber = await started({ brokers: onlyBroker(broker) });
    const seen: { group: string; message: Message; ctx: MessageContext }[] = [];
    for (const group of [uniqueGroup('billing'), uniqueGroup('audit')]) {
      subscriber.subscribe(topic, { group }, (message, ctx) => {
        seen.push({ group, message, ctx });
      });
    }
    await new Promise((r) => setTimeout(r, 300)); // the groups exist before the first publish
    const publisher = await started({ brokers: onlyBroker(broker) });
    const receipt = await publisher.publish(topic, { orderId: '42', totalCents: 1999, paid: true, note: null });
    expect(receipt.broker).toBe(broker);
    await until(() => seen.length === 2, 10_000, 'both groups handled the message');
    for (const { message, ctx } of seen) {
      expect(message).toEqual({ orderId: '42', totalCents: 1999, paid: true, note: null });
      expect(ctx).toMatchObject({ id: receipt.id, topic, broker, attempt: 1 });
      expect(ctx.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Date.parse(ctx.publishedAt)).not.toBeNaN();
    }
  });
});
