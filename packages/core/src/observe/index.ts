export { SinceWindow, type WindowReader } from './since.js';
export { HttpObserver, WINDOW_SLOTS, UNMATCHED_ROUTE, OVERFLOW_ROUTE, type RequestSink } from './observer.js';
export { observeNode, unobserved } from '../http/exchange.js';
export { LogHistogram, bucketOf, bucketLow, bucketHigh, BUCKET_COUNT } from './histogram.js';
export { RouteSeries, STATUS_CLASSES, DURATION_BOUNDS_MS, statusClassOf, type StatusClass } from './routeSeries.js';
