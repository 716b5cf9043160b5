/**
 * The loop's sleep between claims: ends at the timeout, on abort, or on
 * `wake()`. A wake-up that arrives while the loop is busy is kept for the next
 * sleep, so none is lost.
 */
export class Sleeper {
  #wakePending = false;
  #end: (() => void) | undefined;

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
