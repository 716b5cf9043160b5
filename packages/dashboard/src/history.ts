/** How many points each chart keeps: 90 seconds at one poll a second. */
export const HISTORY_POINTS = 90;

/** Columns for uPlot: times in seconds, then one array per series. */
export type SeriesData = [number[], ...number[][]];

interface Track {
  times: number[];
  series: number[][];
  /** The last cumulative counters, to turn totals into per-second rates. */
  lastTotals?: { at: number; values: number[] };
}

/**
 * Rolling time series for the charts, keyed by e.g. `limit:search:load`.
 * Gauges are recorded as they are; counters (`admitted`, `delivered`) as a
 * per-second rate over the time between two polls, on the server's clock.
 */
export class History {
  readonly #tracks = new Map<string, Track>();

  #track(key: string, width: number): Track {
    let track = this.#tracks.get(key);
    if (track === undefined || track.series.length !== width) {
      track = { times: [], series: Array.from({ length: width }, () => []) };
      this.#tracks.set(key, track);
    }
    return track;
  }

  #push(track: Track, at: number, values: number[]): void {
    track.times.push(at / 1000);
    values.forEach((v, i) => track.series[i]?.push(v));
    if (track.times.length > HISTORY_POINTS) {
      track.times.shift();
      for (const s of track.series) s.shift();
    }
  }

  gauge(key: string, at: number, values: number[]): void {
    this.#push(this.#track(key, values.length), at, values);
  }

  /** Records the rates of change of cumulative `totals`; returns them (0 on the first poll). */
  rate(key: string, at: number, totals: number[]): number[] {
    const track = this.#track(key, totals.length);
    const last = track.lastTotals;
    track.lastTotals = { at, values: totals };
    if (last === undefined || at <= last.at) return totals.map(() => 0);
    const seconds = (at - last.at) / 1000;
    // A counter that went down was reset (the server restarted): count from zero.
    const rates = totals.map((v, i) => Math.max(0, v - (last.values[i] ?? 0)) / seconds);
    this.#push(track, at, rates);
    return rates;
  }

  data(key: string): SeriesData | undefined {
    const track = this.#tracks.get(key);
    return track === undefined ? undefined : [track.times, ...track.series];
  }

  /** The latest values of a series, for the text beside a chart. */
  latest(key: string): number[] | undefined {
    return this.#tracks.get(key)?.series.map((s) => s[s.length - 1] ?? 0);
  }
}
