/**
 * The loop's sleep between claims: ends at the timeout, on abort, or on
 * `wake()`. A wake-up that arrives while the loop is busy is kept for the next
 * sleep, so none is lost.
 */
export class Sleeper {
  #wakePending = false;
  #end: (() => void) | undefined;
  #timer: { timer: NodeJS.Timeout; at: number } | undefined;

  /** Wakes the loop in `ms` (a retry falls due), unless an earlier timed wake-up is already set. */
  wakeIn(ms: number): void {
    const at = Date.now() + ms;
    if (this.#timer !== undefined && this.#timer.at <= at) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer.timer);
    const timer = setTimeout(() => {
      this.#timer = undefined;
      this.wake();
    }, ms + 1);
    this.#timer = { timer, at };
  }

  /** Drops the timed wake-up, if any. */
  cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer.timer);
    this.#timer = undefined;
  }

  wake(): void {
    if (this.#end !== undefined) this.#end();
    else this.#wakePending = true;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (this.#wakePending) {
      this.#wakePending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const end = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', end);
        this.#end = undefined;
        resolve();
      };
      const timer = setTimeout(end, ms);
      signal.addEventListener('abort', end);
      this.#end = end;
    });
  }
}
