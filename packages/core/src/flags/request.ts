import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { FlagRequest } from './options.js';

/**
 * Header names as Node keys them (lower case), remembered per name asked for. A
 * name lowered afresh is a new string, and reading a property by a new string
 * first looks it up in V8's string table: that lookup cost more than the rest of a
 * `header()` call (measured in process: 101 ns against 34 ns for the read by a
 * literal). A cohort asks for the same one or two names on every request.
 */
const lowered = new Map<string, string>();
const LOWERED_SIZE = 256;

function lowerCase(name: string): string {
  let lower = lowered.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    // Forget everything at once when full: only names built per request could fill it.
    if (lowered.size >= LOWERED_SIZE) lowered.clear();
    lowered.set(name, lower);
  }
  return lower;
}

/** Why a view read after its `cohort` call returned throws. */
const CLOSED = 'the request passed to rollout.cohort can be read only during that call: copy what you need from it';

/**
 * The framework-free view of a Node request that `rollout.cohort` receives. Every
 * field is read from the request only when the cohort asks for it: a cohort that
 * reads one header never pays for the path, the method or the other fields.
 *
 * One view serves every request of a registry (`ask`), pointed at the request
 * only for the duration of its synchronous `cohort` call: the first `flag()` of a
 * request allocates no view and no `header` closure (77.0 -> 63.0 ns in process,
 * bench/README.md, eleventh session). Read after the call, it throws rather than
 * answer from whichever request it serves next.
 */
export class NodeFlagRequest implements FlagRequest {
  #req: IncomingMessage | null = null;
  /** `header(name)`: a closure made once for the view's life, so that a cohort may destructure it. */
  readonly header: (name: string) => string | undefined;

  constructor() {
    this.header = (name) => {
      const headers = this.#open().headers;
      // A cohort nearly always asks by a lower-case literal: read by it first, and lower the name only when that finds nothing.
      const value = headers[name] ?? headers[lowerCase(name)];
      return typeof value === 'string' || value === undefined ? value : value[0];
    };
  }

  get method(): string {
    return this.#open().method ?? 'GET';
  }

  get path(): string {
    const url = this.#open().url ?? '/';
    const query = url.indexOf('?');
    return query < 0 ? url : url.slice(0, query);
  }

  get headers(): IncomingHttpHeaders {
    return this.#open().headers;
  }

  #open(): IncomingMessage {
    if (this.#req === null) throw new Error(CLOSED);
    return this.#req;
  }

  /**
   * `cohort(view of req)`. A cohort that asks for a cohort again (another
   * registry's, or this one's through `flag()` of another request) gets a view
   * of its own while this one is in use.
   */
  ask<T>(cohort: (request: FlagRequest) => T, req: IncomingMessage): T {
    if (this.#req !== null) return new NodeFlagRequest().ask(cohort, req);
    this.#req = req;
    try {
      return cohort(this);
    } finally {
      this.#req = null;
    }
  }
}
