import type { ServerResponse } from 'node:http';
import type { Ballast } from '../ballast.js';

/** The header that lists the dependencies whose fallback or stale value a response used. */
export const DEGRADED_HEADER = 'Ballast-Degraded';

/**
 * What a handler reaches as `req.ballast` (Express) or `ctx.state.ballast` (Koa).
 * Adapters create it lazily, only when a handler touches it, so it costs nothing
 * on requests that never use it. Feature modules add their per-request helpers here.
 */
export class RequestScope {
  /** The instance this request runs under. */
  readonly ballast: Ballast;
  readonly #res: ServerResponse;
  #degraded: string[] | undefined;

  constructor(ballast: Ballast, res: ServerResponse) {
    this.ballast = ballast;
    this.#res = res;
  }

  /** The dependencies this response has been degraded by, in first-use order. */
  get degraded(): readonly string[] {
    return this.#degraded ?? [];
  }

  /** Records that `dependency` answered with a fallback or stale value and sets the header. */
  markDegraded(dependency: string): void {
    const list = (this.#degraded ??= []);
    if (list.includes(dependency)) return;
    list.push(dependency);
    if (!this.#res.headersSent) this.#res.setHeader(DEGRADED_HEADER, list.join(', '));
  }
}
