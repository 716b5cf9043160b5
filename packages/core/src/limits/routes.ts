import type { AdminRoute } from '../admin/route.js';
import { parseIfMatch, versionEtag } from '../http/etag.js';
import { jsonReply } from '../http/types.js';
import type { LimitRegistry, LimitView } from './registry.js';

const etag = (view: LimitView): string => versionEtag(view.version);

/** Where admin changes go in fleet mode: the shared store, which every instance follows. */
export interface SettingsWriter {
  /** Merges `input` (validated first) into the stored override of `name`. */
  override(name: string, input: unknown, options: { actor: string; ifVersion?: readonly number[]; action?: string }): Promise<void>;
  /** Reverts `name` to the code's defaults everywhere. */
  revert(name: string, options: { actor: string; action?: string }): Promise<void>;
}

/**
 * `GET /limits`, `GET /limits/:name`, `PATCH /limits/:name`, `DELETE /limits/:name/override`.
 * With a `writer` (fleet mode) changes go through the shared store; otherwise they apply to this instance.
 */
export function limitRoutes(limits: LimitRegistry, writer?: SettingsWriter): AdminRoute[] {
  const exists = (params: Record<string, string>): boolean => limits.has(params.name as string);
  return [
    { method: 'GET', path: '/limits', handle: () => jsonReply(200, { limits: limits.views() }) },
    {
      method: 'GET',
      path: '/limits/:name',
      exists,
      handle: ({ params }) => {
        const view = limits.view(params.name as string);
        return jsonReply(200, view, { etag: etag(view) });
      },
    },
    {
      method: 'PATCH',
      path: '/limits/:name',
      exists,
      body: 'json',
      handle: async ({ params, body, actor, header }) => {
        const name = params.name as string;
        const ifVersion = parseIfMatch(header('if-match'));
        const options = { actor, ...(ifVersion === undefined ? {} : { ifVersion }) };
        if (writer !== undefined) await writer.override(name, body, options);
        const view = writer === undefined ? limits.update(name, body, options) : limits.view(name);
        return jsonReply(200, view, { etag: etag(view) });
      },
    },
    {
      method: 'DELETE',
      path: '/limits/:name/override',
      exists,
      handle: async ({ params, actor }) => {
        const name = params.name as string;
        if (writer !== undefined) await writer.revert(name, { actor });
        const view = writer === undefined ? limits.revert(name, { actor }) : limits.view(name);
        return jsonReply(200, view, { etag: etag(view) });
      },
    },
  ];
}
