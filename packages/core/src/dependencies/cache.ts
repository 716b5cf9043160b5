interface Entry {
  value: unknown;
  storedAt: number;
}

/**
 * The last good value per `cacheKey`, bounded by entry count (least recently
 * used goes first) and by age (older values are never served). A Map keeps
 * insertion order, so re-inserting on use is all the LRU bookkeeping needed.
 */
export class LastGoodCache {
  readonly #entries = new Map<string, Entry>();
  #maxEntries: number;
  #maxAgeMs: number;

  constructor(maxEntries: number, maxAgeMs: number) {
    this.#maxEntries = maxEntries;
    this.#maxAgeMs = maxAgeMs;
  }

  get size(): number {
    return this.#entries.size;
  }

  set(key: string, value: unknown, now: number): void {
    if (this.#maxEntries === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, { value, storedAt: now });
    this.#trim();
  }

  /** The value stored under `key` if it is young enough; `found` tells a cached `undefined` from a miss. */
  get(key: string, now: number): { found: true; value: unknown; ageMs: number } | { found: false } {
    const entry = this.#entries.get(key);
    if (entry === undefined) return { found: false };
    const ageMs = now - entry.storedAt;
    if (ageMs > this.#maxAgeMs) {
      this.#entries.delete(key);
      return { found: false };
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return { found: true, value: entry.value, ageMs };
  }

  /** New bounds apply at once: a smaller `maxEntries` evicts the least recently used. */
  resize(maxEntries: number, maxAgeMs: number): void {
    this.#maxEntries = maxEntries;
    this.#maxAgeMs = maxAgeMs;
    this.#trim();
  }

  clear(): void {
    this.#entries.clear();
  }

  #trim(): void {
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) return;
      this.#entries.delete(key);
    }
  }
}
