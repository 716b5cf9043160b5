/**
 * A log-linear bucketed histogram of non-negative integers (microseconds here),
 * in the spirit of HDR histograms: values below 2^SUB_BITS get one bucket each,
 * above that every power of two is cut into 2^SUB_BITS equal buckets, so a
 * bucket is never wider than 1/16 (6.25 %) of its values. Recording is an index
 * computation and one increment; two histograms merge by adding counts, which
 * is what lets a sliding window sum its slots instead of keeping samples.
 */
const SUB_BITS = 4;
const SUB_COUNT = 1 << SUB_BITS;
/** Values are clamped to 32 bits: about 71 minutes in microseconds. */
const MAX_VALUE = 0xffff_ffff;
export const BUCKET_COUNT = (32 - SUB_BITS + 1) * SUB_COUNT;

/** The bucket a value falls in. */
export function bucketOf(value: number): number {
  const v = value >= MAX_VALUE ? MAX_VALUE : value > 0 ? value >>> 0 : 0;
  if (v < SUB_COUNT) return v;
  const exponent = 31 - Math.clz32(v);
  const sub = (v >>> (exponent - SUB_BITS)) & (SUB_COUNT - 1);
  return (exponent - SUB_BITS + 1) * SUB_COUNT + sub;
}

/** The smallest value that lands in `bucket`. */
export function bucketLow(bucket: number): number {
  if (bucket < SUB_COUNT) return bucket;
  const exponent = Math.floor(bucket / SUB_COUNT) + SUB_BITS - 1;
  const sub = bucket % SUB_COUNT;
  return 2 ** exponent + sub * 2 ** (exponent - SUB_BITS);
}

/** One past the largest value that lands in `bucket`. */
export const bucketHigh = (bucket: number): number => bucketLow(bucket + 1);

export class LogHistogram {
  readonly counts = new Uint32Array(BUCKET_COUNT);
  count = 0;

  record(value: number): void {
    this.counts[bucketOf(value)]!++;
    this.count++;
  }

  /** Adds every count of `other` into this one. */
  add(other: LogHistogram): void {
    if (other.count === 0) return;
    const mine = this.counts;
    const theirs = other.counts;
    for (let i = 0; i < BUCKET_COUNT; i++) mine[i]! += theirs[i]!;
    this.count += other.count;
  }

  clear(): void {
    if (this.count === 0) return;
    this.counts.fill(0);
    this.count = 0;
  }

  /**
   * The value at quantile `q` (0..1): the midpoint of the bucket holding the
   * ceil(q * count)-th smallest sample, so within 3.2 % of the true value.
   * `undefined` when empty.
   */
  quantile(q: number): number | undefined {
    if (this.count === 0) return undefined;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return i < SUB_COUNT ? i : (bucketLow(i) + bucketHigh(i) - 1) / 2;
    }
    return undefined;
  }
}
