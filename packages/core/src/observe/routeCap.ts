import type { RouteSeries } from './routeSeries.js';

/** Rows and width of the count-min sketch that counts routes without a series. */
const ROWS = 4;
const WIDTH = 4096;
/** Requests (decayed) a route needs before it may take a series: one-off paths, even colliding in the sketch, stay out. */
const MIN_HITS = 3;
/** Series that may give way to a busier route per window slot (bounds the churn under a flood). */
const VICTIMS_PER_SLOT = 8;

/** 32-bit FNV-1a of a string's UTF-16 code units. */
function fnv1a(text: string, seed: number): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash >>> 0;
}

/**
 * Which routes keep a series once `capacity` are known: the ones that carry
 * traffic (a heavy-hitters policy). Each series counts its requests with a decay
 * (halved every window slot); routes without a series are counted, also decayed,
 * in a count-min sketch of fixed size. A route whose count passes the quietest
 * series' takes its place, at most `VICTIMS_PER_SLOT` times per slot. So a flood
 * of distinct junk paths (each seen once) never displaces a route in use, and a
 * route that starts carrying traffic once the table is full still gets a series
 * within a slot or two. Memory is bounded; the request path does a hash and a
 * few array reads, never a scan (victims are chosen when the window turns).
 */
export class RouteCap {
  readonly capacity: number;
  readonly #sketch = new Float32Array(ROWS * WIDTH);
  /**
   * Whether any count went into the sketch, i.e. the table was ever full: until then
   * every count is zero and the decay has nothing to halve. Its 16k cells cost about
   * 27M instructions a turn (bench/http/callgrind.mjs, a served request: about 0.5M),
   * which an app with fewer routes than the cap never needs.
   */
  #counted = false;
  #victims: RouteSeries[] = [];

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** The decayed count of the route `admit` last let in: its series starts from it, so it is not the next to go. */
  admittedHits = 0;

  /**
   * Counts one request of a route that has no series while the table is full;
   * returns the series to give up for it, or `undefined` to record it as overflow.
   */
  admit(route: string): RouteSeries | undefined {
    this.#counted = true;
    const h1 = fnv1a(route, 0x811c9dc5);
    const h2 = fnv1a(route, 0x01000193) | 1;
    let estimate = Infinity;
    for (let row = 0; row < ROWS; row++) {
      const index = row * WIDTH + ((h1 + Math.imul(row, h2)) >>> 0) % WIDTH;
      const count = ++this.#sketch[index]!;
      if (count < estimate) estimate = count;
    }
    const victim = this.#victims[this.#victims.length - 1];
    // Seen a few times (one-off paths stay out), and busier than the quietest series.
    if (victim === undefined || estimate < MIN_HITS || estimate <= victim.hits) return undefined;
    this.#victims.pop();
    this.admittedHits = estimate;
    return victim;
  }

  /** When the window turns: decay every count and choose the next victims among `candidates` (the evictable series). */
  rotate(candidates: RouteSeries[], full: boolean): void {
    if (this.#counted) for (let i = 0; i < this.#sketch.length; i++) this.#sketch[i]! *= 0.5;
    for (const series of candidates) series.hits *= 0.5;
    if (!full) {
      this.#victims = [];
      return;
    }
    // Quietest last, so `admit` pops it first.
    this.#victims = candidates.sort((a, b) => b.hits - a.hits).slice(-VICTIMS_PER_SLOT);
  }
}
