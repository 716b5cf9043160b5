import { nowMs } from '../util/clock.js';
import { LogHistogram } from './histogram.js';
import { ServerWatch } from './servers.js';
import { RouteCap } from './routeCap.js';
import { RouteSeries, statusClassOf } from './routeSeries.js';
import { SinceWindow, type WindowReader } from './since.js';

/** The route label of requests that matched no route (never the raw path). */
export const UNMATCHED_ROUTE = 'unmatched';
/** The route label of requests to routes the cap keeps no series for: a guard against unbounded cardinality. */
export const OVERFLOW_ROUTE = 'other';
const MAX_ROUTES = 500;
/** The window is kept as this many slots plus the one being filled. */
const SLOTS = 12;
/** How many slots the ring holds: the full ones plus the one being filled. */
export const WINDOW_SLOTS = SLOTS + 1;

/** Called for every finished request when an extra sink (OpenTelemetry) is attached. */
export type RequestSink = (route: string, statusClass: number, durationMs: number) => void;

/**
 * Live HTTP measurements of one Ballast instance: per route template latency
 * histograms over a sliding window, status classes, in-flight requests and the
 * servers whose connections are counted. The per-request path is a timestamp,
 * a map lookup and a few increments; the window turns on an unref'd timer.
 */
export class HttpObserver implements WindowReader {
  readonly windowMs: number;
  readonly slotMs: number;
  /** Requests that began and have not closed yet. */
  inFlight = 0;
  /** Whether any request was ever observed (asserts warn until then). */
  active = false;
  sink: RequestSink | undefined;
  readonly #series = new Map<string, RouteSeries>();
  /** Which routes keep a series once `MAX_ROUTES` are known (the overflow series is not counted). */
  readonly #cap = new RouteCap(MAX_ROUTES);
  #overflow: RouteSeries | undefined;
  /**
   * The series the last request was recorded in. Only `end` sets it; the cap drops a
   * series only inside `#add`, which `end` calls and then points this at the new series.
   */
  #last: RouteSeries | undefined;
  readonly #servers = new ServerWatch();
  readonly #rotateListeners: (() => void)[] = [];
  /** Open `since()` windows; empty on almost every request, so the request path pays one size check. */
  readonly #since = new Set<SinceWindow>();
  readonly #tickers: { everyMs: number; run: () => void; timer?: NodeJS.Timeout }[] = [];
  #slot = 0;
  #timer: NodeJS.Timeout | undefined;
  #startedAt = nowMs();
  #rotatedAt = this.#startedAt;

  constructor(windowMs: number) {
    this.windowMs = windowMs;
    this.slotMs = Math.max(1, Math.round(windowMs / SLOTS));
  }

  /** Starts turning the window (idempotent). */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#startedAt = this.#rotatedAt = nowMs();
    this.#timer = setInterval(() => this.#rotate(), this.slotMs);
    this.#timer.unref();
    for (const ticker of this.#tickers) this.#startTicker(ticker);
  }

  /** Stops every timer; `start` resumes. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const ticker of this.#tickers) clearInterval(ticker.timer);
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Runs `run` every `everyMs` while the observer runs (background evaluation of asserts). */
  every(everyMs: number, run: () => void): void {
    const ticker = { everyMs, run };
    this.#tickers.push(ticker);
    if (this.running) this.#startTicker(ticker);
  }

  #startTicker(ticker: { everyMs: number; run: () => void; timer?: NodeJS.Timeout }): void {
    ticker.timer = setInterval(ticker.run, ticker.everyMs);
    ticker.timer.unref();
  }

  /** Runs `listener` after every slot turn (e.g. to snapshot counters for windowed rates). */
  onRotate(listener: () => void): void {
    this.#rotateListeners.push(listener);
  }

  /** Marks the start of a request; returns the timestamp to give back to `end`. */
  begin(socket: object): number {
    this.#servers.see(socket);
    this.inFlight++;
    return nowMs();
  }

  /** Records a finished (or abandoned) request under its route template; `null` records nothing (left out). */
  end(route: string | undefined | null, status: number, startedAt: number): void {
    this.inFlight--;
    if (route === null) return;
    const durationMs = nowMs() - startedAt;
    this.active = true;
    const name = route ?? UNMATCHED_ROUTE;
    // Most requests go to the route the last one went to (the same template string): no map lookup then.
    let series = this.#last;
    if (series === undefined || series.route !== name) series = this.#last = this.#series.get(name) ?? this.#add(name);
    const cls = statusClassOf(status);
    series.record(this.#slot, durationMs, cls);
    this.sink?.(series.route, cls, durationMs);
    if (this.#since.size !== 0) for (const window of this.#since) window.record(series.route, durationMs, cls, startedAt);
  }

  /**
   * A window of the requests that begin from now on, until `close()`: what a
   * flag's guard reads, so that samples from before its change never count.
   */
  since(): SinceWindow {
    const window = new SinceWindow(() => this.inFlight, (w) => this.#since.delete(w));
    this.#since.add(window);
    return window;
  }

  /** Open connections on every server seen so far. */
  connections(): Promise<number> {
    return this.#servers.connections();
  }

  /** Whether a server was seen, so that a connection count means something. */
  get watchingServers(): boolean {
    return this.#servers.size > 0;
  }

  series(): RouteSeries[] {
    return [...this.#series.values()];
  }

  hasRoute(route: string): boolean {
    return this.#series.has(route);
  }

  /** Latency (microseconds) over the window, for one route or all. */
  windowHistogram(route?: string): LogHistogram {
    const merged = new LogHistogram();
    for (const series of this.#series.values()) {
      if (route !== undefined && series.route !== route) continue;
      for (const slot of series.slots) merged.add(slot);
    }
    return merged;
  }

  /** 5xx answers over the window, for one route or all. */
  windowErrors(route?: string): number {
    let errors = 0;
    for (const series of this.#series.values()) {
      if (route === undefined || series.route === route) for (const n of series.slotErrors) errors += n;
    }
    return errors;
  }

  /** How many seconds the window covers now (shorter than `windowMs` just after start, never under one slot). */
  windowSeconds(): number {
    const now = nowMs();
    const full = (SLOTS * this.slotMs + (now - this.#rotatedAt)) / 1000;
    // At least one slot: a rate over the first few milliseconds would be noise.
    return Math.max(this.slotMs / 1000, Math.min(full, (now - this.#startedAt) / 1000));
  }

  /** A route without a series: a new one while there is room, else one the cap lets in in place of a quieter one, else overflow. */
  #add(route: string): RouteSeries {
    if (this.#routeCount() >= this.#cap.capacity) {
      const victim = route === OVERFLOW_ROUTE ? undefined : this.#cap.admit(route);
      if (victim === undefined) return (this.#overflow ??= this.#create(OVERFLOW_ROUTE));
      this.#series.delete(victim.route);
      const series = this.#create(route);
      series.hits = this.#cap.admittedHits;
      return series;
    }
    return this.#create(route);
  }

  #create(route: string): RouteSeries {
    const series = new RouteSeries(route, WINDOW_SLOTS);
    this.#series.set(route, series);
    return series;
  }

  #routeCount(): number {
    return this.#series.size - (this.#overflow === undefined ? 0 : 1);
  }

  #rotate(): void {
    this.#slot = (this.#slot + 1) % WINDOW_SLOTS;
    for (const series of this.#series.values()) series.clearSlot(this.#slot);
    const candidates = [...this.#series.values()].filter((s) => s !== this.#overflow);
    this.#cap.rotate(candidates, candidates.length >= this.#cap.capacity);
    this.#rotatedAt = nowMs();
    for (const listener of this.#rotateListeners) listener();
  }
}
