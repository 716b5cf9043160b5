import type { LimitRegistry } from '../limits/index.js';
import type { Logger } from '../util/logger.js';

/**
 * Sheds are logged sampled: at most one line per limit per flush (every
 * second), with the count and reasons since the last line, so an overload
 * never turns into a log flood and the request path logs nothing.
 */
export class ShedLog {
  readonly #limits: LimitRegistry;
  readonly #logger: Logger;
  readonly #seen = new Map<string, Record<string, number>>();

  constructor(limits: LimitRegistry, logger: Logger) {
    this.#limits = limits;
    this.#logger = logger;
    this.flush(false);
  }

  flush(log = true): void {
    for (const name of this.#limits.names()) {
      const current = { ...this.#limits.get(name).shedByReason };
      const before = this.#seen.get(name);
      this.#seen.set(name, current);
      if (!log || before === undefined) continue;
      const byReason: Record<string, number> = {};
      let shed = 0;
      for (const [reason, count] of Object.entries(current)) {
        const delta = count - (before[reason] ?? 0);
        if (delta > 0) byReason[reason] = delta;
        shed += delta;
      }
      if (shed > 0) this.#logger.warn({ limit: name, shed, byReason }, 'ballast: shedding load');
    }
  }
}
