import { writeOptions, type AdminRoute } from '../admin/route.js';
import type { AssertMonitor } from '../asserts/index.js';
import type { DependencyRegistry, DependencyView } from '../dependencies/index.js';
import { VersionConflictError } from '../errors/index.js';
import { versionEtag, versionMatches } from '../http/etag.js';
import { jsonReply } from '../http/types.js';
import type { SettingsSource } from './origin.js';
import type { Fleet } from './fleet.js';
import { dependencyTarget } from './targets.js';

/**
 * Dependency routes that need the code's defaults or the store: `DELETE
 * /dependencies/:name/override` always; in fleet mode also `GET` (with `source`
 * and the store's version) and `PATCH` (through the store). Registered before the
 * dependency module's own routes, which they take over.
 */
export function dependencyOverrideRoutes(dependencies: DependencyRegistry, fleet: Fleet | undefined): AdminRoute[] {
  const target = fleet?.sync?.target('dependency') ?? dependencyTarget(dependencies);
  const exists = (params: Record<string, string>): boolean => dependencies.has(params.name as string);
  const writer = fleet?.writer('dependency');
  const view = (name: string): DependencyView & { source?: SettingsSource } => {
    const local = dependencies.view(name);
    if (writer === undefined) return local;
    return { ...local, version: target.origins.version(name), source: target.origins.source(name, Object.keys(local.settings)) };
  };
  const reply = (name: string) => {
    const v = view(name);
    return jsonReply(200, v, { etag: versionEtag(v.version) });
  };
  const revert: AdminRoute = {
    method: 'DELETE',
    path: '/dependencies/:name/override',
    exists,
    handle: async (ctx) => {
      const name = ctx.params.name as string;
      const options = writeOptions(ctx);
      if (writer !== undefined) await writer.revert(name, options);
      else if (versionMatches(options.ifVersion, dependencies.view(name).version)) target.apply(name, null, options.actor);
      else throw new VersionConflictError(dependencies.view(name).version);
      return reply(name);
    },
  };
  if (writer === undefined) return [revert];
  return [
    revert,
    {
      method: 'GET',
      path: '/dependencies',
      handle: () => jsonReply(200, { dependencies: Object.fromEntries(dependencies.names().map((n) => [n, view(n)])) }),
    },
    { method: 'GET', path: '/dependencies/:name', exists, handle: ({ params }) => reply(params.name as string) },
    {
      method: 'PATCH',
      path: '/dependencies/:name',
      exists,
      body: 'json',
      handle: async (ctx) => {
        await writer.override(ctx.params.name as string, ctx.body, writeOptions(ctx));
        return reply(ctx.params.name as string);
      },
    },
  ];
}

/** `GET /fleet`: whether this instance follows the store now, and the newest change it has seen. */
export function fleetStatusRoute(fleet: Fleet): AdminRoute {
  return {
    method: 'GET',
    path: '/fleet',
    handle: () =>
      jsonReply(200, { connected: fleet.connected, version: fleet.sync?.highest ?? null, sharedRates: fleet.sharedRateStatus }),
  };
}

/**
 * Fleet mode: `PUT /asserts/:name` and `DELETE /asserts/:name` through the store, and
 * `DELETE /asserts/:name/override` back to the code's asserts. Registered before the
 * asserts module's own routes, which they take over.
 */
export function assertFleetRoutes(fleet: Fleet, asserts: AssertMonitor): AdminRoute[] {
  const writer = fleet.writer('assert');
  if (writer === undefined) return [];
  const exists = (params: Record<string, string>): boolean => asserts.has(params.name as string);
  return [
    {
      method: 'PUT',
      path: '/asserts/:name',
      body: 'json',
      handle: async ({ params, body, actor }) => {
        const name = params.name as string;
        const created = !asserts.has(name);
        await writer.override(name, { definition: body }, { actor });
        return jsonReply(created ? 201 : 200, await asserts.view(name));
      },
    },
    {
      method: 'DELETE',
      path: '/asserts/:name',
      exists,
      handle: async ({ params, actor }) => {
        await writer.override(params.name as string, { removed: true }, { actor });
        return { status: 204, headers: {} };
      },
    },
    {
      method: 'DELETE',
      path: '/asserts/:name/override',
      handle: async ({ params, actor }) => {
        const name = params.name as string;
        await writer.revert(name, { actor });
        return asserts.has(name) ? jsonReply(200, await asserts.view(name)) : { status: 204, headers: {} };
      },
    },
  ];
}
