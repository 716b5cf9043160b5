import { z } from 'zod';
import { parseSettings } from '../settings/validate.js';

/** The part of a prom-client `Registry` Ballast uses (typed here so core needs no prom-client types). */
export interface PromRegistry {
  registerMetric(metric: never): void;
  metrics(): Promise<string>;
  readonly contentType: string;
}

/** The part of an OpenTelemetry `Meter` Ballast uses. */
export interface OtelMeter {
  createObservableGauge(name: string, options?: { description?: string; unit?: string }): OtelObservable;
  createObservableCounter(name: string, options?: { description?: string; unit?: string }): OtelObservable;
  createHistogram(
    name: string,
    options?: { description?: string; unit?: string; advice?: { explicitBucketBoundaries?: number[] } },
  ): { record(value: number, attributes?: Record<string, string>): void };
}

export interface OtelObservable {
  addCallback(callback: (result: { observe(value: number, attributes?: Record<string, string>): void }) => void | Promise<void>): void;
}

export interface MetricsOptions {
  /** A prom-client `Registry` to register Ballast's metrics in. Default: Ballast's own registry (never the global one). */
  registry?: PromRegistry;
  /**
   * Also export through `@opentelemetry/api`: `true` uses the global meter
   * provider (`metrics.getMeter('@ballast/core')`), or pass a `Meter`. Default: off.
   */
  openTelemetry?:
    | boolean
    | {
        /** The OpenTelemetry `Meter` to create Ballast's instruments on. */
        meter: OtelMeter;
      };
}

const isObjectWith = (methods: string[]) => (v: unknown) =>
  typeof v === 'object' && v !== null && methods.every((m) => typeof (v as Record<string, unknown>)[m] === 'function');

const metricsSchema = z.strictObject({
  registry: z.custom<PromRegistry>(isObjectWith(['registerMetric', 'metrics']), { error: 'must be a prom-client Registry' }).optional(),
  openTelemetry: z
    .union([
      z.boolean(),
      z.strictObject({
        meter: z.custom<OtelMeter>(isObjectWith(['createObservableGauge', 'createObservableCounter', 'createHistogram']), {
          error: 'must be an OpenTelemetry Meter',
        }),
      }),
    ], { error: 'must be true, false or { meter }' })
    .optional(),
});

export function parseMetricsOptions(input: unknown): MetricsOptions {
  return parseSettings(metricsSchema, input ?? {}, 'metrics') as MetricsOptions;
}
