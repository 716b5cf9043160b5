import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Message, MessageContext } from '@ballast/core';
import { until } from '@ballast/testkit';
import { onlyBroker, uniqueGroup, uniqueTopic } from './brokers.js';
import { ballastSuite } from './setup.js';

describe.each(['redis', 'nats', 'rabbit'] as const)('publish one, subscribe many over %s', (broker) => {
  const suite = ballastSuite();

  it('delivers a published message with its envelope to every group once', async () => {
    const topic = uniqueTopic();
    const subscriber = await suite.start({ brokers: onlyBroker(broker) });
    const seen: { group: string; message: Message; ctx: MessageContext }[] = [];
    const subscriptions = [uniqueGroup('billing'), uniqueGroup('audit')].map((group) =>
      subscriber.subscribe(topic, { group }, (message, ctx) => {
        seen.push({ group, message, ctx });
      }),
    );
    await Promise.all(subscriptions.map((s) => s.ready()));
    const publisher = await suite.start({ brokers: onlyBroker(broker) });
    const receipt = await publisher.publish(topic, { orderId: '42', totalCents: 1999, paid: true, note: null });
    expect(receipt.broker).toBe(broker);
    await until(() => seen.length === 2, 10_000, 'both groups handled the message');
    expect(new Set(seen.map((s) => s.group)).size).toBe(2);
    for (const { message, ctx } of seen) {
      expect(message).toEqual({ orderId: '42', totalCents: 1999, paid: true, note: null });
      expect(ctx).toMatchObject({ id: receipt.id, topic, broker, attempt: 1 });
      expect(ctx.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(Date.parse(ctx.publishedAt)).not.toBeNaN();
    }
  });

  it('shares a group between instances: each message is handled by one of them', async () => {
    const topic = uniqueTopic();
    const group = uniqueGroup();
    const handledBy: string[][] = [[], []];
    const instances = await Promise.all([0, 1].map(() => suite.start({ brokers: onlyBroker(broker) })));
    const subscriptions = instances.map((b, i) => b.subscribe(topic, { group }, (m) => void handledBy[i]!.push(m.n as string)));
    await Promise.all(subscriptions.map((s) => s.ready()));
    const sent = Array.from({ length: 40 }, (_, i) => String(i));
    for (const n of sent) await instances[0]!.publish(topic, { n });
    await until(() => handledBy[0]!.length + handledBy[1]!.length >= sent.length, 10_000, 'every message handled');
    expect([...handledBy[0]!, ...handledBy[1]!].sort()).toEqual([...sent].sort());
  });

  it('retries a failing handler and moves a message that keeps failing to the dead list with the reason', async () => {
    const topic = uniqueTopic();
    const ballast = await suite.start({ brokers: onlyBroker(broker) });
    const attempts: number[] = [];
    const subscription = ballast.subscribe(topic, { group: uniqueGroup(), maxAttempts: 3 }, (message, ctx) => {
      attempts.push(ctx.attempt);
      if (message.fail === true || ctx.attempt < 2) throw new Error(`card declined (${String(message.order)})`);
    });
    await subscription.ready();
    await ballast.publish(topic, { order: 'a', fail: false });
    const { id } = await ballast.publish(topic, { order: 'b', fail: true });
    await until(() => subscription.stats().handled === 1 && subscription.stats().dead === 1, 15_000, 'one handled, one dead');
    expect(subscription.stats()).toMatchObject({ handled: 1, dead: 1, retried: 1 + 2, duplicates: 0 });
    const dead = await ballast.messaging.dead();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ id, topic, broker, reason: 'handler', error: 'card declined (b)', attempts: 3, message: { order: 'b', fail: true } });
  });

  it('sends a message that fails the schema to the dead list without calling the handler', async () => {
    const topic = uniqueTopic();
    const ballast = await suite.start({ brokers: onlyBroker(broker) });
    const handled: unknown[] = [];
    const schema = z.object({ orderId: z.string(), totalCents: z.number().int() });
    const subscription = ballast.subscribe(topic, { group: uniqueGroup(), schema }, (message) => void handled.push(message.orderId));
    await subscription.ready();
    const { id } = await ballast.publish(topic, { orderId: '1', totalCents: 'lots' });
    await ballast.publish(topic, { orderId: '2', totalCents: 5 });
    await until(() => handled.length === 1 && subscription.stats().dead === 1, 10_000, 'one handled, one dead');
    expect(handled).toEqual(['2']);
    expect((await ballast.messaging.dead())[0]).toMatchObject({ id, reason: 'schema', attempts: 0 });
    expect((await ballast.messaging.dead())[0]?.error).toMatch(/^totalCents: /);
  });

  it('keeps old and new subscribers working when a v2 publisher adds a key', async () => {
    const topic = uniqueTopic();
    const ballast = await suite.start({ brokers: onlyBroker(broker) });
    const v1Schema = z.object({ orderId: z.string() });
    const v2Schema = z.object({ orderId: z.string(), currency: z.string().default('EUR') });
    const v1: Message[] = [];
    const v2: string[] = [];
    const subscriptions = [
      ballast.subscribe(topic, { group: uniqueGroup('v1'), schema: v1Schema }, (m) => void v1.push(m)),
      ballast.subscribe(topic, { group: uniqueGroup('v2'), schema: v2Schema }, (m) => void v2.push(`${m.orderId} in ${m.currency}`)),
    ];
    await Promise.all(subscriptions.map((s) => s.ready()));
    await ballast.publish(topic, { orderId: '1' }); // a v1 publisher
    await ballast.publish(topic, { orderId: '2', currency: 'USD' }); // a v2 publisher
    await until(() => v1.length === 2 && v2.length === 2, 10_000, 'both subscribers handled both versions');
    expect(v1.sort((a, b) => String(a.orderId).localeCompare(String(b.orderId)))).toEqual([{ orderId: '1' }, { orderId: '2', currency: 'USD' }]);
    expect(v2.sort()).toEqual(['1 in EUR', '2 in USD']);
  });

  it('leaves the durable group in place on stop: messages published meanwhile arrive after a restart', async () => {
    const topic = uniqueTopic();
    const group = uniqueGroup();
    const first = await suite.start({ brokers: onlyBroker(broker) });
    await first.subscribe(topic, { group }, () => {}).ready();
    await first.stop();
    const publisher = await suite.start({ brokers: onlyBroker(broker) });
    const { id } = await publisher.publish(topic, { while: 'stopped' });
    const ids: string[] = [];
    const second = await suite.start({ brokers: onlyBroker(broker) });
    second.subscribe(topic, { group }, (_m, ctx) => void ids.push(ctx.id));
    await until(() => ids.length === 1, 10_000, 'the message published while no subscriber ran');
    expect(ids).toEqual([id]);
  });
});
