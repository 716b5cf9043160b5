import type { Ballast } from '../ballast.js';
import { BallastError, hasCode } from '../errors/index.js';

/** A handler used `req.ballast` / `ctx.state.ballast` on an app where no Ballast middleware is mounted. */
export class MissingScopeError extends BallastError {
  static readonly code = 'BALLAST_MISSING_SCOPE';
  constructor(property: string, fix: string) {
    super(MissingScopeError.code, `${property} is there once a Ballast middleware is mounted on this app: add ${fix}`);
  }
}
export const isMissingScopeError = (e: unknown): e is MissingScopeError => hasCode(e, MissingScopeError.code);

/** Marks a middleware function as Ballast's, so `ScopeOwners` can find the instance an app uses. */
export const BALLAST_INSTANCE = Symbol.for('ballast.instance');

/** Tags `middleware` with the instance it serves and returns it. */
export function tagMiddleware<F extends object>(middleware: F, ballast: Ballast): F {
  Object.defineProperty(middleware, BALLAST_INSTANCE, { value: ballast });
  return middleware;
}

/** The instance a tagged middleware serves, if `value` is one. */
export const taggedInstance = (value: unknown): Ballast | undefined =>
  (typeof value === 'function' ? (value as { [BALLAST_INSTANCE]?: Ballast })[BALLAST_INSTANCE] : undefined);

/**
 * Which Ballast instance serves each app: remembered when one of its middleware
 * runs, or found once by `find` (an adapter's walk of the app's middleware and
 * routers), so `req.ballast` works in any handler of an app that mounts Ballast
 * anywhere, even before that middleware first ran.
 */
export class ScopeOwners<App extends object> {
  readonly #owners = new WeakMap<App, Ballast>();
  readonly #find: (app: App) => Ballast | undefined;
  #lastApp: App | undefined;
  #lastOwner: Ballast | undefined;

  constructor(find: (app: App) => Ballast | undefined) {
    this.#find = find;
  }

  /** Records that `ballast` serves `app` (first claim wins). */
  claim(app: App, ballast: Ballast): void {
    if (!this.#owners.has(app)) this.#owners.set(app, ballast);
  }

  of(app: App): Ballast | undefined {
    // Almost every process serves one app: the last answer saves a WeakMap lookup per request.
    if (app === this.#lastApp) return this.#lastOwner;
    let owner = this.#owners.get(app);
    if (owner === undefined) {
      owner = this.#find(app);
      if (owner !== undefined) this.#owners.set(app, owner);
    }
    if (owner !== undefined) {
      this.#lastApp = app;
      this.#lastOwner = owner;
    }
    return owner;
  }
}
