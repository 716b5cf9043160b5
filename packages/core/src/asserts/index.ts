export { AssertMonitor, type AssertMonitorDeps, type GuardAssert, type GuardWatch } from './monitor.js';
export type { AssertView, AssertStatus, AssertEvents, AssertTransition } from './types.js';
export { parseAssert, AssertSyntaxError, type ParsedAssert, type Comparison, type Unit } from './parse.js';
export { parseObserveOptions, assertSchema, DEFAULT_MIN_SAMPLES, type AssertInput, type ObserveOptions } from './options.js';
export { assertRoutes } from './routes.js';
export type { BreakerSource, OutboxSource } from './sources.js';
