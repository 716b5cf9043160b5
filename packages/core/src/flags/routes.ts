import { writeOptions, type AdminRoute } from '../admin/route.js';
import { VersionConflictError } from '../errors/index.js';
import { parseIfMatch, versionEtag, versionMatches } from '../http/etag.js';
import { jsonReply, type Reply } from '../http/types.js';
import type { SettingsWriter } from '../limits/index.js';
import { sameState } from './changes.js';
import type { FlagRegistry } from './registry.js';
import type { FlagState } from './settings.js';
import type { FlagAction } from './types.js';

/**
 * `GET /flags`, `GET|PATCH /flags/:name`, `POST /flags/:name/promote|rollback`,
 * `DELETE /flags/:name/override`. With a `writer` (fleet mode) every change goes
 * through the shared store, which every instance follows; otherwise it applies here.
 */
export function flagRoutes(flags: FlagRegistry, writer?: SettingsWriter): AdminRoute[] {
  const exists = (params: Record<string, string>): boolean => flags.has(params.name as string);
  const reply = (name: string): Reply => {
    const view = flags.view(name);
    return jsonReply(200, view, { etag: versionEtag(view.version) });
  };
  /** Fleet mode: checks `If-Match`, then stores `to` (nothing when it is the current state) with the action every instance audits. */
  const store = async (name: string, to: FlagState, actor: string, ifVersion: readonly number[] | undefined, action: FlagAction): Promise<void> => {
    const version = flags.get(name).version;
    if (!versionMatches(ifVersion, version)) throw new VersionConflictError(version);
    if (sameState(flags.get(name).state, to)) return;
    await (writer as SettingsWriter).override(name, to, { actor, action, ...(ifVersion === undefined ? {} : { ifVersion }) });
  };
  const step = (direction: 'promote' | 'rollback'): AdminRoute => ({
    method: 'POST',
    path: `/flags/:name/${direction}`,
    exists,
    handle: async ({ params, actor, header }) => {
      const name = params.name as string;
      const ifVersion = parseIfMatch(header('if-match'));
      if (writer === undefined) flags[direction](name, { actor, ...(ifVersion === undefined ? {} : { ifVersion }) });
      // The step is computed from this instance's state: store it only over that same version.
      else await store(name, flags.nextStep(name, direction), actor, ifVersion ?? [flags.get(name).version], `flag.${direction}`);
      return reply(name);
    },
  });
  return [
    { method: 'GET', path: '/flags', handle: () => jsonReply(200, { flags: flags.views() }) },
    { method: 'GET', path: '/flags/:name', exists, handle: ({ params }) => reply(params.name as string) },
    {
      method: 'PATCH',
      path: '/flags/:name',
      exists,
      body: 'json',
      handle: async ({ params, body, actor, header }) => {
        const name = params.name as string;
        const ifVersion = parseIfMatch(header('if-match'));
        if (writer === undefined) flags.set(name, body, { actor, ...(ifVersion === undefined ? {} : { ifVersion }) });
        else await store(name, flags.resolvePatch(name, body), actor, ifVersion, 'flag.update');
        return reply(name);
      },
    },
    step('promote'),
    step('rollback'),
    {
      method: 'DELETE',
      path: '/flags/:name/override',
      exists,
      handle: async (ctx) => {
        const name = ctx.params.name as string;
        const options = writeOptions(ctx);
        if (writer === undefined) flags.revert(name, options);
        else await writer.revert(name, { ...options, action: 'flag.revert' });
        return reply(name);
      },
    },
  ];
}
