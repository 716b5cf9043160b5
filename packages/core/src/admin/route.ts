import { parseIfMatch } from '../http/etag.js';
import type { Reply } from '../http/types.js';
import type { AdminRole } from './auth.js';

/** What a route handler gets once the request passed every check before it. */
export interface AdminContext {
  /** Name of the token that made the request. */
  actor: string;
  /** The token that made the request; `undefined` on a public route reached without one. */
  token: { name: string; role: AdminRole } | undefined;
  /** The request path as the client sent it (mount prefix included); `path`-relative when the adapter does not say. */
  originalPath: string;
  /** Path parameters, e.g. `{ name: 'search' }` for `/limits/:name`. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body for routes with `body: 'json'`; `undefined` otherwise. */
  body: unknown;
  header(name: string): string | undefined;
}

/**
 * Who writes and under which `If-Match` precondition (none, `*`, or the versions it
 * names): the options every registry change and fleet write takes.
 */
export function writeOptions(ctx: Pick<AdminContext, 'actor' | 'header'>): { actor: string; ifVersion?: readonly number[] } {
  const ifVersion = parseIfMatch(ctx.header('if-match'));
  return ifVersion === undefined ? { actor: ctx.actor } : { actor: ctx.actor, ifVersion };
}

export type AdminMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** One entry of the admin API's route table. Feature modules contribute these. */
export interface AdminRoute {
  method: AdminMethod;
  /** A path pattern with `:param` segments, e.g. `/limits/:name`. */
  path: string;
  /** Answers 404 (before the body is read) when the named resource does not exist. */
  exists?(params: Record<string, string>): boolean;
  /** `json`: the route needs a JSON object body (415/413/400 checks apply). Default: no body. */
  body?: 'json';
  /** Served without a token (only routes the user explicitly made public). */
  public?: boolean;
  handle(ctx: AdminContext): Reply | Promise<Reply>;
}

interface CompiledRoute {
  route: AdminRoute;
  segments: string[];
}

export interface RouteMatch {
  route: AdminRoute;
  params: Record<string, string>;
}

/** Matches paths against the route table; distinguishes "no such path" from "wrong method". */
export class RouteTable {
  readonly #routes: CompiledRoute[] = [];

  add(...routes: AdminRoute[]): void {
    for (const route of routes) this.#routes.push({ route, segments: split(route.path) });
  }

  /** Every route, in the order they were added (the first of two with one method and path wins). */
  list(): { method: AdminMethod; path: string; public: boolean }[] {
    return this.#routes.map(({ route }) => ({ method: route.method, path: route.path, public: route.public === true }));
  }

  match(method: string, path: string): { found: RouteMatch } | { allowed: AdminMethod[] } | undefined {
    const parts = split(path);
    const allowed: AdminMethod[] = [];
    for (const { route, segments } of this.#routes) {
      const params = matchSegments(segments, parts);
      if (params === undefined) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) {
        return { found: { route, params } };
      }
      allowed.push(route.method);
    }
    return allowed.length > 0 ? { allowed } : undefined;
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const part = parts[i] as string;
    if (p.startsWith(':')) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(part);
      } catch {
        return undefined;
      }
      params[p.slice(1)] = decoded;
    } else if (p !== part) return undefined;
  }
  return params;
}
