import type { AssertInput } from '../asserts/index.js';
import { flagBucket, randomBucket } from './bucket.js';
import { OFF, type FlagState, type ResolvedFlag } from './settings.js';

/** Why a flag answered as it did (see the OpenFeature mapping in the README). */
export type FlagReason =
  /** The ring comes before the flag's stage, or is the stage at 100 %: on for everyone in it. */
  | 'ring-on'
  /** The ring is the flag's stage at 1..99 %: the bucket decided. */
  | 'bucket'
  /** The flag is `off`. */
  | 'disabled'
  /** The ring comes after the flag's stage, or is the stage at 0 %. */
  | 'ring-off';

/** Decisions by outcome and reason, as small integers: the request path allocates nothing. */
const RING_ON = 0;
const RING_OFF = 1;
const DISABLED = 2;
const BUCKET_ON = 3;
const BUCKET_OFF = 4;
export const REASONS: readonly FlagReason[] = ['ring-on', 'ring-off', 'disabled', 'bucket', 'bucket'];
export const isOn = (decision: number): boolean => decision === RING_ON || decision === BUCKET_ON;

/**
 * Buckets remembered per flag. Hashing allocates `"<flag>:<key>"` and loops over it in
 * JS; a lookup of a key seen before was about 7x cheaper, measured side by side. The
 * same accounts come back request after request, so a bounded memo pays for itself.
 */
const BUCKET_MEMO_SIZE = 10_000;

/**
 * One flag of one instance: its state precomputed to a ring index, and counters of
 * evaluations per ring. `decide` is a few comparisons; it hashes only when the ring
 * is the flag's stage at 1..99 %, and draws a random bucket when there is no key.
 */
export class Flag {
  readonly name: string;
  readonly code: FlagState;
  readonly guard: AssertInput | undefined;
  readonly guardWindowMs: number;
  readonly steps: readonly FlagState[];
  /** Counts per ring index: `[ring * 2]` on, `[ring * 2 + 1]` off. */
  readonly counts: Float64Array;
  #state: FlagState;
  /** Ring index of the stage; `-1` for off. */
  #stageIndex: number;
  #percent: number;
  version = 1;
  /** Whether the state is no longer the code's. */
  overridden = false;
  /** The last bucket computed, for `evaluate`. */
  lastBucket = 0;
  readonly #buckets = new Map<string, number>();

  constructor(resolved: ResolvedFlag, stages: readonly string[]) {
    this.name = resolved.name;
    this.code = resolved.state;
    this.guard = resolved.guard;
    this.guardWindowMs = resolved.guardWindowMs;
    this.steps = resolved.steps;
    this.counts = new Float64Array(stages.length * 2);
    this.#state = resolved.state;
    this.#stageIndex = -1;
    this.#percent = 0;
    this.setState(resolved.state, stages);
  }

  get state(): FlagState {
    return this.#state;
  }

  setState(state: FlagState, stages: readonly string[]): void {
    this.#state = { stage: state.stage, percent: state.percent };
    this.#stageIndex = state.stage === OFF ? -1 : stages.indexOf(state.stage);
    this.#percent = state.percent;
  }

  /** The decision for a request in ring `ring` (an index into the stages) with sticky `key`; counted. */
  decide(ring: number, key: string | undefined): number {
    const decision = this.#decide(ring, key);
    this.counts[ring * 2 + (isOn(decision) ? 0 : 1)]!++;
    return decision;
  }

  #decide(ring: number, key: string | undefined): number {
    const stage = this.#stageIndex;
    if (stage < 0) return DISABLED;
    if (ring < stage) return RING_ON;
    if (ring > stage) return RING_OFF;
    const percent = this.#percent;
    if (percent >= 100) return RING_ON;
    if (percent <= 0) return RING_OFF;
    const bucket = key === undefined ? randomBucket() : this.#bucketOf(key);
    this.lastBucket = bucket;
    return bucket <= percent ? BUCKET_ON : BUCKET_OFF;
  }

  #bucketOf(key: string): number {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = flagBucket(this.name, key);
      // Forget everything at once when full: simpler than LRU, and a miss only costs a hash.
      if (this.#buckets.size >= BUCKET_MEMO_SIZE) this.#buckets.clear();
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }
}
