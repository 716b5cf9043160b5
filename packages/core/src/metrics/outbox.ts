import { DURATION_BOUNDS_MS } from '../observe/index.js';
import type { Family, Sample } from './families.js';

/** What the outbox metrics read (the outbox module's `Outbox` fits). */
export interface OutboxMetricSource {
  readonly destinations: string[];
  stats(): Promise<
    Record<string, { pending: number; inFlight: number; dead: number; oldestPendingAgeMs: number; delivered: number }>
  >;
  /** Whether the database answers, without reading the outbox table (`stats()` scans it). */
  ping(): Promise<void>;
}

type Stats = Awaited<ReturnType<OutboxMetricSource['stats']>>;

/**
 * Delivery attempt durations by destination and outcome, in OpenTelemetry's
 * buckets; fed from the outbox's events when they carry `durationMs`.
 */
export class DeliveryDurations {
  readonly #series = new Map<string, { counts: number[]; sumMs: number; count: number }>();

  record(destination: string, outcome: string, durationMs: number): void {
    const key = `${destination}\u0000${outcome}`;
    let series = this.#series.get(key);
    if (series === undefined) {
      series = { counts: new Array<number>(DURATION_BOUNDS_MS.length + 1).fill(0), sumMs: 0, count: 0 };
      this.#series.set(key, series);
    }
    let bucket = 0;
    while (bucket < DURATION_BOUNDS_MS.length && durationMs > DURATION_BOUNDS_MS[bucket]!) bucket++;
    series.counts[bucket]!++;
    series.sumMs += durationMs;
    series.count++;
  }

  samples(name: string): Sample[] {
    const out: Sample[] = [];
    for (const [key, series] of this.#series) {
      const [destination, outcome] = key.split('\u0000') as [string, string];
      const labels = { destination, outcome };
      let cumulative = 0;
      series.counts.forEach((n, b) => {
        cumulative += n;
        const le = b < DURATION_BOUNDS_MS.length ? String(DURATION_BOUNDS_MS[b]! / 1000) : '+Inf';
        out.push({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: cumulative });
      });
      out.push({ metricName: `${name}_sum`, labels, value: series.sumMs / 1000 });
      out.push({ metricName: `${name}_count`, labels, value: series.count });
    }
    return out;
  }
}

/** Outbox gauges and counters (one stats query per scrape, shared), plus the delivery histogram. */
export function outboxFamilies(outbox: OutboxMetricSource, durations: DeliveryDurations): Family[] {
  let inFlight: Promise<Stats | undefined> | undefined;
  // Every family of one scrape shares a single query; a database outage reads as `up 0`, not a failed scrape.
  const stats = (): Promise<Stats | undefined> =>
    (inFlight ??= outbox.stats().then(
      (s) => s,
      () => undefined,
    ).finally(() => setImmediate(() => (inFlight = undefined))));
  const per = (field: 'pending' | 'inFlight' | 'dead' | 'delivered', scale = 1) => async (): Promise<Sample[]> => {
    const s = await stats();
    if (s === undefined) return [];
    return outbox.destinations.map((destination) => ({ labels: { destination }, value: (s[destination]?.[field] ?? 0) * scale }));
  };
  return [
    {
      name: 'ballast_outbox_database_up',
      help: 'Whether the last stats query reached the outbox database (1) or not (0).',
      type: 'gauge',
      unit: '1',
      collect: async () => [{ labels: {}, value: (await stats()) === undefined ? 0 : 1 }],
    },
    { name: 'ballast_outbox_pending', help: 'Messages waiting for delivery.', type: 'gauge', unit: '{message}', collect: per('pending') },
    { name: 'ballast_outbox_in_flight', help: 'Messages leased by a worker now.', type: 'gauge', unit: '{message}', collect: per('inFlight') },
    { name: 'ballast_outbox_dead', help: 'Messages in the dead state.', type: 'gauge', unit: '{message}', collect: per('dead') },
    { name: 'ballast_outbox_delivered_total', help: 'Messages delivered (all instances).', type: 'counter', unit: '{message}', collect: per('delivered') },
    {
      name: 'ballast_outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest pending message, on the database clock.',
      type: 'gauge',
      unit: 's',
      collect: async () => {
        const s = await stats();
        if (s === undefined) return [];
        return outbox.destinations.map((destination) => ({ labels: { destination }, value: (s[destination]?.oldestPendingAgeMs ?? 0) / 1000 }));
      },
    },
    {
      name: 'ballast_outbox_delivery_duration_seconds',
      help: 'Duration of delivery attempts by destination and outcome.',
      type: 'histogram',
      unit: 's',
      collect: () => durations.samples('ballast_outbox_delivery_duration_seconds'),
    },
  ];
}
