import { asConfigError } from '../config.js';
import { InvalidSettingsError } from '../errors/index.js';
import { DURATION_BOUNDS_MS, STATUS_CLASSES, type HttpObserver } from '../observe/index.js';
import type { Family } from './families.js';
import { loadOtelApi, loadPromClient } from '../peers/index.js';
import type { MetricsOptions, OtelMeter, PromRegistry } from './options.js';

/** A family dressed as a prom-client metric: prom-client renders it, Ballast supplies the values. */
function asPromMetric(family: Family): object {
  return {
    // An OpenMetrics registry renames counters (drops `_total`, adds it back per line): read the name it set.
    name: family.name,
    help: family.help,
    type: family.type,
    aggregator: 'sum',
    async get(this: { name: string }) {
      return { name: this.name, help: family.help, type: family.type, aggregator: 'sum', values: await family.collect() };
    },
    reset: () => {},
  };
}

/**
 * Exposes Ballast's measures as Prometheus text (prom-client, loaded on first
 * scrape) and, when asked, through `@opentelemetry/api`.
 */
export class MetricsExporter {
  readonly #families: Family[];
  readonly #options: MetricsOptions;
  readonly #observer: HttpObserver;
  #registry: PromRegistry | undefined;
  #loading: Promise<PromRegistry> | undefined;
  #otel: Promise<void> | undefined;

  constructor(families: Family[], options: MetricsOptions, observer: HttpObserver) {
    this.#families = families;
    this.#options = options;
    this.#observer = observer;
    // A registry the user passed gets the metrics at once: they may scrape it without asking Ballast.
    if (options.registry !== undefined) {
      const registry = options.registry;
      asConfigError(() => {
        try {
          this.#adopt(registry);
        } catch (error) {
          throw new InvalidSettingsError('metrics.registry', `cannot take Ballast's metrics (${(error as Error).message}); give each instance its own registry`);
        }
      });
    }
  }

  /** Adds families (feature modules: breakers, outbox). */
  add(...families: Family[]): void {
    this.#families.push(...families);
    if (this.#registry !== undefined) for (const family of families) this.#registry.registerMetric(asPromMetric(family) as never);
  }

  /**
   * The registry holding Ballast's metrics: the one passed as `metrics.registry`
   * or Ballast's own (prom-client is loaded then). Rejects with `MissingPeerError`
   * when prom-client is not installed.
   *
   * @example
   * const registry = await ballast.metrics.registry();
   */
  registry(): Promise<PromRegistry> {
    if (this.#registry !== undefined) return Promise.resolve(this.#registry);
    this.#loading ??= loadPromClient().then((promClient) => this.#adopt(new promClient.Registry() as PromRegistry));
    this.#loading.catch(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  #adopt(registry: PromRegistry): PromRegistry {
    for (const family of this.#families) registry.registerMetric(asPromMetric(family) as never);
    this.#registry = registry;
    return registry;
  }

  /** The Prometheus exposition and its content type. */
  async text(): Promise<{ contentType: string; body: string }> {
    const registry = await this.registry();
    return { contentType: registry.contentType, body: await registry.metrics() };
  }

  /** Starts the OpenTelemetry export when configured (idempotent). */
  startOpenTelemetry(): Promise<void> {
    const option = this.#options.openTelemetry;
    if (option === undefined || option === false) return Promise.resolve();
    this.#otel ??= (async () => {
      const meter = option === true ? ((await loadOtelApi()).metrics.getMeter('@ballast/core') as OtelMeter) : option.meter;
      this.#instrument(meter);
    })();
    return this.#otel;
  }

  #instrument(meter: OtelMeter): void {
    for (const family of this.#families) {
      if (family.type === 'histogram') continue;
      const name = family.name.replace(/_total$/, '');
      const instrument =
        family.type === 'counter'
          ? meter.createObservableCounter(name, { description: family.help, unit: family.unit })
          : meter.createObservableGauge(name, { description: family.help, unit: family.unit });
      instrument.addCallback(async (result) => {
        for (const sample of await family.collect()) result.observe(sample.value, sample.labels);
      });
    }
    // A histogram cannot be observed after the fact: record each request as it ends.
    const duration = meter.createHistogram('ballast_http_request_duration', {
      description: 'HTTP request duration by route template and status class.',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BOUNDS_MS.map((ms) => ms / 1000) },
    });
    // One attributes object per route and class, reused: this runs for every request.
    const attributes = new Map<string, Record<string, string>[]>();
    this.#observer.sink = (route, cls, durationMs) => {
      let byClass = attributes.get(route);
      if (byClass === undefined) {
        byClass = STATUS_CLASSES.map((statusClass) => ({ route, status_class: statusClass }));
        attributes.set(route, byClass);
      }
      duration.record(durationMs / 1000, byClass[cls]);
    };
  }
}
