import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Ballast } from '../ballast.js';
import type { DependencyCall, ReadOptions } from '../dependencies/index.js';
import type { DesyncOptions, DesyncResult } from '../outbox/index.js';
import { isOn } from '../flags/index.js';
import { linkedResponse } from '../http/exchange.js';

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
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse | undefined;
  #degraded: string[] | undefined;
  /** The request's ring index (`-1` until the first `flag()` asks `rollout.cohort`) and sticky key. */
  #ring = -1;
  #key: string | undefined;

  /**
   * @param req the request (`rollout.cohort` sees it)
   * @param res its response (where `Ballast-Degraded` goes); `undefined`: `req.res`, as Express
   *   links them, read only when a degraded read needs it. Under Express each read of a request's
   *   property misses V8's caches (its hidden class is its own): a `flag()` must not pay for one
   *   it does not use.
   */
  constructor(ballast: Ballast, req: IncomingMessage, res: ServerResponse | undefined) {
    this.ballast = ballast;
    this.#req = req;
    this.#res = res;
  }

  /** The dependencies this response has been degraded by, in first-use order. */
  get degraded(): readonly string[] {
    return this.#degraded ?? [];
  }

  /**
   * Reads from a named dependency through its breaker. When the call fails, times
   * out or the breaker is open, answers with the last good value for `cacheKey`,
   * else `fallback`, and marks the response degraded (`Ballast-Degraded`).
   *
   * @example
   * const profile = await req.ballast.read('profiles', (signal) => fetchProfile(id, { signal }), {
   *   fallback: () => ({ name: 'guest' }),
   *   cacheKey: `profile:${id}`,
   * });
   */
  async read<T>(dependency: string, fn: DependencyCall<T>, options?: ReadOptions<T>): Promise<T> {
    const result = await this.ballast.dependency(dependency).execute(fn, options);
    if (result.source !== 'live') this.markDegraded(dependency);
    return result.value;
  }

  /**
   * Hands a write to the outbox (see `DesyncOptions.mode`): answer 200 when
   * `status` is `delivered`, 202 when `queued`. Throws `OutboxFullError` when the
   * destination's `maxPending` is reached; let it propagate and both Express and
   * Koa answer 503 with `Retry-After` (it carries `status`, `headers`, `expose`).
   *
   * @example
   * app.post('/orders', async (req, res) => {
   *   const r = await req.ballast.desync('billing', { order: req.body }, { key: req.body.accountId });
   *   res.status(r.status === 'delivered' ? 200 : 202).json(r);
   * });
   */
  desync(destination: string, payload: unknown, options?: DesyncOptions): Promise<DesyncResult> {
    return this.ballast.outbox.desync(destination, payload, options);
  }

  /**
   * Whether feature flag `name` is on for this request: its ring and sticky key come
   * from `rollout.cohort` (asked once per request), else the instance's `stage`.
   * Throws `UnknownFlagError` for a flag that was never declared.
   *
   * @example
   * if (req.ballast.flag('newCheckout')) return newCheckout(req, res);
   */
  flag(name: string): boolean {
    const flags = this.ballast.flags;
    if (this.#ring < 0) {
      const cohort = flags.cohortOf(this.#req);
      this.#ring = flags.ringOf(cohort?.stage ?? undefined);
      this.#key = cohort?.key ?? undefined;
    }
    return isOn(flags.get(name).decide(this.#ring, this.#key));
  }

  /** Records that `dependency` answered with a fallback or stale value and sets the header. */
  markDegraded(dependency: string): void {
    const list = (this.#degraded ??= []);
    if (list.includes(dependency)) return;
    list.push(dependency);
    const res = this.#res ?? linkedResponse(this.#req);
    if (res !== undefined && !res.headersSent) res.setHeader(DEGRADED_HEADER, list.join(', '));
  }
}
