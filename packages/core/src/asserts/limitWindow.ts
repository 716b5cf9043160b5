import type { LimitRegistry } from '../limits/index.js';

interface Counters {
  admitted: number;
  shed: number;
}

/**
 * Windowed admission counts per limit, for `shed_rate(<limit>)`: a ring of
 * snapshots of the limits' cumulative counters taken at each window slot turn,
 * so the request path pays nothing for it.
 */
export class LimitWindow {
  readonly #limits: LimitRegistry;
  readonly #ring: Map<string, Counters>[] = [];
  readonly #size: number;

  constructor(limits: LimitRegistry, slots: number) {
    this.#limits = limits;
    this.#size = slots;
    this.snapshot();
  }

  snapshot(): void {
    const now = new Map<string, Counters>();
    for (const name of this.#limits.names()) {
      const { admitted, shed } = this.#limits.get(name).stats;
      now.set(name, { admitted, shed });
    }
    this.#ring.push(now);
    if (this.#ring.length > this.#size) this.#ring.shift();
  }

  /** Admitted and shed requests of `limit` since the oldest snapshot. */
  delta(limit: string): Counters {
    const { admitted, shed } = this.#limits.get(limit).stats;
    const oldest = this.#ring[0]?.get(limit) ?? { admitted: 0, shed: 0 };
    return { admitted: admitted - oldest.admitted, shed: shed - oldest.shed };
  }
}
