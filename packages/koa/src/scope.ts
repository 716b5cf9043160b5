import Koa, { type Context } from 'koa';
import { MissingScopeError, RequestScope, type Ballast } from '@ballast/core';
import { ScopeOwners, taggedInstance } from '@ballast/core/adapter';

/** The state Ballast adds to `ctx.state`; `new Router<BallastState>()` types it for a router's handlers. */
export interface BallastState {
  /**
   * Ballast's per-request helpers (`read`, `desync`, ...). Present in every handler of an
   * app that mounts a Ballast middleware anywhere; on an app that does not, reading it
   * throws `MissingScopeError` saying what to add.
   */
  readonly ballast: RequestScope;
}

declare module 'koa' {
  // Every Koa handler's `ctx.state` (routers' too) says what it holds: a merge, so no members of its own.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface DefaultState extends BallastState {}
}

/** A router middleware (`router.routes()`) keeps its router, whose layers keep their middleware. */
type Dispatch = { router?: { stack?: { stack?: unknown[] }[] } };

function findIn(middleware: readonly unknown[] | undefined, depth = 0): Ballast | undefined {
  if (middleware === undefined || depth > 8) return undefined;
  for (const fn of middleware) {
    const found = taggedInstance(fn) ?? (fn as Dispatch | undefined)?.router?.stack?.reduce<Ballast | undefined>((hit, layer) => hit ?? findIn(layer.stack, depth + 1), undefined);
    if (found !== undefined) return found;
  }
  return undefined;
}

export const owners = new ScopeOwners<Koa>((app) => findIn(app.middleware));

const STATE = Symbol('ballast.state');
type StateHolder = Context & { [STATE]?: object };

/** `ctx.state` as Koa creates it, with a `ballast` getter that builds the scope on first read. */
class KoaState {
  readonly #ctx: Context;
  #scope: RequestScope | undefined;

  constructor(ctx: Context) {
    this.#ctx = ctx;
  }

  get ballast(): RequestScope {
    if (this.#scope !== undefined) return this.#scope;
    const ballast = owners.of(this.#ctx.app);
    if (ballast === undefined) throw new MissingScopeError('ctx.state.ballast', 'app.use(k.observe()) (or k.limit(...)) to this app, with k = ballastKoa(ballast)');
    return (this.#scope = new RequestScope(ballast, this.#ctx.req, this.#ctx.res));
  }
}
Object.defineProperty(KoaState.prototype, 'ballast', { enumerable: false });

let defined = false;

/**
 * Makes `ctx.state.ballast` lazy, once, on Koa's shared context prototype: Koa's own
 * `ctx.state = {}` in each new context becomes a `KoaState` (one object either way),
 * so requests that never read `ballast` pay nothing more.
 */
export function defineStateScope(): void {
  if (defined) return;
  defined = true;
  const base = Object.getPrototypeOf(new Koa().context) as object;
  Object.defineProperty(base, 'state', {
    configurable: true,
    get(this: StateHolder) {
      return this[STATE];
    },
    set(this: StateHolder, value: object) {
      // Koa's first assignment is its fresh `{}`: keep ours instead. A state you assign later is kept as it is.
      this[STATE] = this[STATE] === undefined ? new KoaState(this) : value;
    },
  });
}
