import { EventEmitter } from 'node:events';

/**
 * A typed event emitter whose `emit` never throws: a listener that throws is
 * reported on `error`-free channel `listener:error` (or swallowed when nobody
 * listens), so instrumentation can never break the code path that emits.
 */
export class SafeEmitter<Events extends { [K in keyof Events]: unknown }> {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  on<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): () => void {
    this.#emitter.on(event, listener);
    return () => this.#emitter.off(event, listener);
  }

  once<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): () => void {
    this.#emitter.once(event, listener);
    return () => this.#emitter.off(event, listener);
  }

  off<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): void {
    this.#emitter.off(event, listener);
  }

  listenerCount(event: keyof Events & string): number {
    return this.#emitter.listenerCount(event);
  }

  emit<K extends keyof Events & string>(event: K, payload: Events[K]): void {
    const listeners = this.#emitter.rawListeners(event) as ((p: Events[K]) => void)[];
    for (const listener of listeners) {
      try {
        // rawListeners keeps `once` wrappers, which remove themselves when called.
        listener(payload);
      } catch (error) {
        if (event !== 'listener:error') this.emit('listener:error' as K, { event, error } as Events[K]);
      }
    }
  }
}
