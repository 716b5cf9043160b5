import type { Family, Sample } from './families.js';

/** What the messaging metrics read (the messaging module's `Messaging` fits). */
export interface MessagingMetricSource {
  views(): Record<string, { type: string; state: 'up' | 'down' | 'draining'; published: number }>;
  subscriptions(): { topic: string; group: string; handled: number; retried: number; dead: number; duplicates: number }[];
}

const OUTCOMES = ['handled', 'retried', 'dead'] as const;

/** Broker and subscription families, read from the counters messaging keeps. */
export function messagingFamilies(source: MessagingMetricSource): Family[] {
  const perBroker = (value: (v: ReturnType<MessagingMetricSource['views']>[string]) => number) => (): Sample[] =>
    Object.entries(source.views()).map(([broker, v]) => ({ labels: { broker, type: v.type }, value: value(v) }));
  return [
    {
      name: 'ballast_broker_up',
      help: 'Whether the broker is connected (1; a draining broker counts) or not (0).',
      type: 'gauge',
      unit: '1',
      collect: perBroker((v) => (v.state === 'down' ? 0 : 1)),
    },
    {
      name: 'ballast_broker_published_total',
      help: 'Messages this instance published that the broker confirmed.',
      type: 'counter',
      unit: '{message}',
      collect: perBroker((v) => v.published),
    },
    {
      name: 'ballast_subscribe_handled_total',
      help: 'Subscription handler outcomes: handled, retried (an attempt failed) and dead.',
      type: 'counter',
      unit: '{message}',
      collect: () => source.subscriptions().flatMap((s) => OUTCOMES.map((outcome) => ({ labels: { topic: s.topic, group: s.group, outcome }, value: s[outcome] }))),
    },
    {
      name: 'ballast_subscribe_duplicates_total',
      help: 'Deliveries dropped because the message id was already handled.',
      type: 'counter',
      unit: '{message}',
      collect: () => source.subscriptions().map((s) => ({ labels: { topic: s.topic, group: s.group }, value: s.duplicates })),
    },
  ];
}
