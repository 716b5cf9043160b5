import type { AssertMonitor } from '../asserts/index.js';
import type { LimitRegistry, ShedReason } from '../limits/index.js';
import { DURATION_BOUNDS_MS, STATUS_CLASSES, type HttpObserver } from '../observe/index.js';

/** One sample of a family, in prom-client's `get()` shape. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
  /** For histogram lines: `<name>_bucket`, `_sum`, `_count`. */
  metricName?: string;
}

/** A metric family whose values Ballast already keeps: read at scrape time, never on the request path. */
export interface Family {
  /** Prometheus name: `ballast_` prefix, base units, `_total` on counters. */
  name: string;
  help: string;
  type: 'gauge' | 'counter' | 'histogram';
  /** Base unit for OpenTelemetry (`s`, `1`, `{request}`). */
  unit: string;
  collect(): Sample[] | Promise<Sample[]>;
}

export interface MetricSources {
  observer: HttpObserver;
  limits: LimitRegistry;
  asserts: AssertMonitor;
}

const SHED_REASONS: readonly ShedReason[] = ['queue_full', 'queue_timeout', 'rate', 'closed'];

function perLimit(limits: LimitRegistry, value: (name: string) => number): Sample[] {
  return limits.names().map((limit) => ({ labels: { limit }, value: value(limit) }));
}

/** The limit, assert and HTTP families. */
export function coreFamilies({ observer, limits, asserts }: MetricSources): Family[] {
  return [
    { name: 'ballast_limit_running', help: 'Invocations running now under the limit.', type: 'gauge', unit: '{request}', collect: () => perLimit(limits, (n) => limits.get(n).running) },
    { name: 'ballast_limit_queued', help: 'Invocations waiting for a slot.', type: 'gauge', unit: '{request}', collect: () => perLimit(limits, (n) => limits.get(n).queued) },
    { name: 'ballast_limit_max_concurrent', help: 'Configured maxConcurrent of the limit.', type: 'gauge', unit: '{request}', collect: () => perLimit(limits, (n) => limits.get(n).settings.maxConcurrent) },
    { name: 'ballast_limit_admitted_total', help: 'Invocations admitted by the limit.', type: 'counter', unit: '{request}', collect: () => perLimit(limits, (n) => limits.get(n).admitted) },
    {
      name: 'ballast_limit_shed_total',
      help: 'Invocations shed by the limit, by reason.',
      type: 'counter',
      unit: '{request}',
      collect: () =>
        limits.names().flatMap((limit) => {
          const byReason = limits.get(limit).shedByReason;
          return SHED_REASONS.map((reason) => ({ labels: { limit, reason }, value: byReason[reason] }));
        }),
    },
    {
      name: 'ballast_assert_ok',
      help: 'Monitoring asserts: 1 while holding (or without enough data), 0 while failing.',
      type: 'gauge',
      unit: '1',
      collect: async () => (await asserts.evaluate()).map((v) => ({ labels: { assert: v.name }, value: v.status === 'fail' ? 0 : 1 })),
    },
    { name: 'ballast_http_requests_in_flight', help: 'HTTP requests begun and not yet finished.', type: 'gauge', unit: '{request}', collect: () => [{ labels: {}, value: observer.inFlight }] },
    {
      name: 'ballast_http_active_connections',
      help: 'Open connections on the servers observe() has seen.',
      type: 'gauge',
      unit: '{connection}',
      collect: async () => [{ labels: {}, value: await observer.connections() }],
    },
    { name: 'ballast_http_request_duration_seconds', help: 'HTTP request duration by route template and status class.', type: 'histogram', unit: 's', collect: () => httpDurationSamples(observer) },
  ];
}

const LE = [...DURATION_BOUNDS_MS.map((ms) => String(ms / 1000)), '+Inf'];

function httpDurationSamples(observer: HttpObserver): Sample[] {
  const name = 'ballast_http_request_duration_seconds';
  const out: Sample[] = [];
  for (const series of observer.series()) {
    STATUS_CLASSES.forEach((statusClass, cls) => {
      if (series.count[cls] === 0) return;
      const labels = { route: series.route, status_class: statusClass };
      series.cumulativeBuckets(cls).forEach((value, b) => out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: LE[b] as string }, value }));
      out.push({ metricName: `${name}_sum`, labels, value: (series.sumMs[cls] as number) / 1000 });
      out.push({ metricName: `${name}_count`, labels, value: series.count[cls] as number });
    });
  }
  return out;
}
