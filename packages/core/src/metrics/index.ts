export { MetricsExporter } from './exporter.js';
export { breakerFamilies } from './breakers.js';
export { messagingFamilies, type MessagingMetricSource } from './messaging.js';
export { outboxFamilies, DeliveryDurations, type OutboxMetricSource } from './outbox.js';
export { flagFamilies } from './flags.js';
export { coreFamilies, type Family, type Sample, type MetricSources } from './families.js';
export { metricsRoutes } from './routes.js';

export { parseMetricsOptions, type MetricsOptions, type PromRegistry, type OtelMeter, type OtelObservable } from './options.js';
