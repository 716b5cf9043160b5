import type { Request } from 'express';

/** What Express 5's router (`router` 2.x) keeps on each layer of a stack; only read here. */
interface Layer {
  /** The path the layer was mounted or declared with: a template such as `/t/:tenant`, a RegExp, or a list. */
  rawPath?: unknown;
  /** Set on route layers (`app.get(...)`): the `Route` whose `.path` is the route's own template. */
  route?: unknown;
  /** A mounted router is a function that carries its own `stack`. */
  handle?: { stack?: unknown };
}

/**
 * Per `Route` object, found once: its whole template when its mounts leave one choice
 * (`/search` at the app, `/t/:tenant/search` under a single mount), which holds
 * whatever `req.baseUrl` says; otherwise the mount templates it sits under, to
 * pick from by `req.baseUrl`.
 */
const templatesByRoute = new WeakMap<object, string | string[]>();

/**
 * Every chain of string mount templates from `stack` down to the layer of `route`,
 * e.g. `['/t/:tenant']`. A mount Express gives no string template for (a RegExp)
 * is skipped: that route then shows its matched values, which the route cap bounds.
 */
function mountsOf(stack: unknown, route: object, prefix: string, out: string[], depth = 0): string[] {
  if (!Array.isArray(stack) || depth > 16) return out;
  for (const layer of stack as Layer[]) {
    if (layer.route === route) out.push(prefix);
    else if (layer.route === undefined && Array.isArray(layer.handle?.stack)) {
      const paths = Array.isArray(layer.rawPath) ? (layer.rawPath as unknown[]) : [layer.rawPath];
      for (const path of paths) {
        if (typeof path === 'string') mountsOf(layer.handle.stack, route, path === '/' ? prefix : `${prefix}${path}`, out, depth + 1);
      }
    }
  }
  return out;
}

/** An app mounted in another (`app.use('/t/:tenant', subApp)`) knows its `mountpath` and `parent`. */
interface MountedApp {
  mountpath?: unknown;
  parent?: MountedApp;
  router?: { stack?: unknown };
}

/** The mount template of a (sub-)app, parents first; `undefined` when one is not a plain string. */
function appPrefix(app: MountedApp | undefined, depth = 0): string | undefined {
  if (app?.parent === undefined || depth > 16) return '';
  const parent = appPrefix(app.parent, depth + 1);
  if (parent === undefined || typeof app.mountpath !== 'string') return undefined;
  return app.mountpath === '/' ? parent : `${parent}${app.mountpath}`;
}

/** Whether a mount template such as `/t/:tenant` could have matched `baseUrl` (same segments, literals equal). */
function fits(template: string, baseUrl: string): boolean {
  const want = template.split('/');
  const got = baseUrl.split('/');
  return want.length === got.length && want.every((segment, i) => segment.startsWith(':') || segment.startsWith('*') || segment === got[i]);
}

/**
 * Read as `req[ROUTE]`, through a variable key: a named read of a property of an
 * Express request misses V8's caches on every request (a hidden class of its own)
 * and goes to the runtime; a keyed read whose cache went megamorphic finds an own
 * property (the router sets `req.route`) in the object's own descriptors.
 */
const ROUTE = 'route';

/**
 * The route template Express matched, mount template included (`/t/:tenant/search`,
 * never `/t/acme/search`), known only once routing ran. Express keeps only the
 * matched value of a mount path (`req.baseUrl`); the mounts are read once per
 * route from the layers of the app's router and cached, so a request costs one
 * read of `req.route` and a WeakMap lookup: every read of an Express request's
 * own property misses V8's caches (it swaps the request's prototype per request).
 * Only a route reached through several mounts (or one Express gives no string
 * template for) reads `req.baseUrl` too.
 */
export function routeTemplate(req: Request): string | undefined {
  const route = (req as unknown as Record<string, { path?: unknown } | undefined>)[ROUTE];
  if (route === undefined) return undefined;
  let found = templatesByRoute.get(route);
  if (found === undefined) {
    // While a sub-app handles a request, `req.app` is that sub-app.
    const app = req.app as MountedApp | undefined;
    const prefix = appPrefix(app);
    const mounts = prefix === undefined ? [] : mountsOf(app?.router?.stack, route, prefix, []);
    found = mounts.length === 1 ? `${mounts[0]}${String(route.path)}` : mounts;
    templatesByRoute.set(route, found);
  }
  if (typeof found === 'string') return found;
  const path = String(route.path);
  const baseUrl = req.baseUrl;
  if (baseUrl === '') return path;
  return `${found.find((m) => fits(m, baseUrl)) ?? baseUrl}${path}`;
}
