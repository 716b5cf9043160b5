/**
 * The ids one subscription handled recently, for in-memory dedupe: the last
 * `maxIds`, none older than `ttlMs`. A Map keeps insertion order, so the
 * oldest entry is always first and eviction is O(1).
 */
export class MemoryWindow {
  readonly #seen = new Map<string, number>();
  readonly #maxIds: number;
  readonly #ttlMs: number;

  constructor(maxIds = 100_000, ttlMs = 600_000) {
    this.#maxIds = maxIds;
    this.#ttlMs = ttlMs;
  }

  has(id: string, now: number): boolean {
    this.#evict(now);
    return this.#seen.has(id);
  }

  add(id: string, now: number): void {
    this.#seen.delete(id);
    this.#seen.set(id, now);
    this.#evict(now);
  }

  get size(): number {
    return this.#seen.size;
  }

  #evict(now: number): void {
    for (const [id, at] of this.#seen) {
      if (this.#seen.size <= this.#maxIds && now - at < this.#ttlMs) return;
      this.#seen.delete(id);
    }
  }
}
