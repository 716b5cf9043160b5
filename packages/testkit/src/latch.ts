/** A gate that test handlers wait on, so tests control exactly when work finishes. */
export class Latch {
  #open = false;
  #waiters: (() => void)[] = [];
  /** How many callers are waiting right now. */
  waiting = 0;
  /** How many callers ever arrived. */
  arrived = 0;
  #arrivals: { count: number; resolve: () => void }[] = [];

  wait(): Promise<void> {
    this.arrived++;
    for (const a of this.#arrivals.filter((x) => this.arrived >= x.count)) a.resolve();
    this.#arrivals = this.#arrivals.filter((x) => this.arrived < x.count);
    if (this.#open) return Promise.resolve();
    this.waiting++;
    return new Promise((resolve) => {
      this.#waiters.push(() => {
        this.waiting--;
        resolve();
      });
    });
  }

  /** Resolves once `count` callers in total have arrived. */
  arrivedAtLeast(count: number): Promise<void> {
    if (this.arrived >= count) return Promise.resolve();
    return new Promise((resolve) => this.#arrivals.push({ count, resolve }));
  }

  /** Lets every current and future caller through. */
  open(): void {
    this.#open = true;
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Lets exactly `n` current callers through (oldest first). */
  release(n: number): void {
    for (const w of this.#waiters.splice(0, n)) w();
  }
}

/** Resolves when `predicate` holds, polling every few ms; rejects after `timeoutMs`. */
export async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
