import type BottleneckClass from 'bottleneck';
import type { PGlite } from '@electric-sql/pglite';
import type { Redis } from 'ioredis';
import type { connect as natsConnect } from '@nats-io/transport-node';
import type { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { connect as amqpConnect } from 'amqplib';
import type pg from 'pg';
import { loadPeer } from './load.js';

// The type-only imports above never reach the published .d.ts: nothing exported from the package index names them.

export type PgModule = typeof pg;
export interface PgliteModule {
  PGlite: typeof PGlite;
}
export type BottleneckModule = typeof BottleneckClass;
export interface IoredisModule {
  Redis: typeof Redis;
}
interface PromClientModule {
  Registry: new () => unknown;
}
interface OtelApiModule {
  metrics: { getMeter(name: string, version?: string): unknown };
}

const isFunction = (key: string) => (m: Record<string, unknown>) => typeof m[key] === 'function';

/** `pg`: the outbox or fleet store on a PostgreSQL server. */
export const loadPg = (feature: string): Promise<PgModule> => loadPeer('pg', feature, () => import('pg'), isFunction('Pool'));

/** `@electric-sql/pglite`: the embedded outbox (no `database`). */
export const loadPglite = (feature: string): Promise<PgliteModule> =>
  loadPeer('@electric-sql/pglite', feature, () => import('@electric-sql/pglite'), isFunction('PGlite'));

/** `bottleneck`: pacing a destination's deliveries (`ratePerSecond`). */
export const loadBottleneck = (feature: string): Promise<BottleneckModule> =>
  loadPeer('bottleneck', feature, () => import('bottleneck'), (m) => typeof m === 'function' || typeof m.default === 'function').then(
    (m) => ((m as { default?: unknown }).default ?? m) as BottleneckModule,
  );

/** `ioredis`: fleet-wide rates given as a `redis://` URL. */
export const loadIoredis = (feature: string): Promise<IoredisModule> => loadPeer('ioredis', feature, () => import('ioredis'), isFunction('Redis'));

/** `prom-client`: `GET /metrics` with Ballast's own registry. */
export const loadPromClient = (): Promise<PromClientModule> => loadPeer('prom-client', 'GET /metrics', () => import('prom-client'), isFunction('Registry'));

/** `@opentelemetry/api`: `metrics.openTelemetry: true`. */
export const loadOtelApi = (): Promise<OtelApiModule> =>
  loadPeer('@opentelemetry/api', 'metrics.openTelemetry', () => import('@opentelemetry/api'), (m) => typeof m.metrics === 'object' && m.metrics !== null);

export interface NatsModules {
  connect: typeof natsConnect;
  jetstream: typeof jetstream;
  jetstreamManager: typeof jetstreamManager;
}
export interface AmqplibModule {
  connect: typeof amqpConnect;
}

/** `@nats-io/transport-node` and `@nats-io/jetstream`: a `nats-jetstream` broker. */
export const loadNats = async (feature: string): Promise<NatsModules> => {
  const [transport, js] = await Promise.all([
    loadPeer<Pick<NatsModules, 'connect'>>('@nats-io/transport-node', feature, () => import('@nats-io/transport-node'), isFunction('connect')),
    loadPeer<Omit<NatsModules, 'connect'>>('@nats-io/jetstream', feature, () => import('@nats-io/jetstream'), isFunction('jetstream')),
  ]);
  return { connect: transport.connect, jetstream: js.jetstream, jetstreamManager: js.jetstreamManager };
};

/** `amqplib`: an `amqp` (RabbitMQ) broker. */
export const loadAmqplib = (feature: string): Promise<AmqplibModule> => loadPeer('amqplib', feature, () => import('amqplib'), isFunction('connect'));
