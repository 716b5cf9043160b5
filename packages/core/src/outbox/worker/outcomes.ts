import type { Logger } from '../../util/logger.js';
import { isUnreachable } from '../store/index.js';

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 1000;

/**
 * Writes delivery outcomes (ack, retry, dead, release) through a database
 * outage: an outcome that could not be written because the server was
 * unreachable is kept and written again, every second at most, until it lands
 * or the worker stops. So a restart costs the time the server was away, not a
 * lease: the message is not delivered again and its key's next message is not
 * held back. Writes stay guarded by the lease, so one that lands after another
 * worker re-claimed the message changes nothing.
 */
export class OutcomeWriter {
  readonly #logger: Logger;
  readonly #sleeping = new Set<() => void>();
  #stopped = false;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Runs `write` until it succeeds; rejects at once for an error that is not an outage, or once stopped. */
  async write<T>(what: string, write: () => Promise<T>): Promise<T> {
    let delayMs = FIRST_RETRY_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (this.#stopped || !isUnreachable(error)) throw error;
        if (attempt === 1) this.#logger.warn({ err: error, what }, 'ballast: outbox database unreachable; keeping the outcome to write it when it is back');
        await this.#sleep(delayMs);
        delayMs = Math.min(delayMs * 2, MAX_RETRY_MS);
      }
    }
  }

  /** Stops retrying: outcomes still waiting fail once more and are logged; their leases hand the messages on. */
  stop(): void {
    this.#stopped = true;
    for (const wake of this.#sleeping) wake();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#sleeping.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#sleeping.add(done);
    });
  }
}
