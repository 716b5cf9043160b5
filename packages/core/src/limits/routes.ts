import { writeOptions, type AdminRoute } from '../admin/route.js';
import { versionEtag } from '../http/etag.js';
import { jsonReply } from '../http/types.js';
import type { LimitRegistry, LimitView } from './registry.js';

const etag = (view: LimitView): string => versionEtag(view.version);

/** Where admin changes go in fleet mode: the shared store, which every instance follows. */
export interface SettingsWriter {
  /** Merges `input` (validated first) into the stored override of `name`. */
  override(name: string, input: unknown, options: { actor: string; ifVersion?: readonly number[]; action?: string }): Promise<void>;
  /** Reverts `name` to the code's defaults everywhere (412 when the store is at none of `ifVersion`). */
  revert(name: string, options: { actor: string; ifVersion?: readonly number[]; action?: string }): Promise<void>;
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
      handle: async (ctx) => {
        const name = ctx.params.name as string;
        const options = writeOptions(ctx);
        if (writer !== undefined) await writer.override(name, ctx.body, options);
        const view = writer === undefined ? limits.update(name, ctx.body, options) : limits.view(name);
        return jsonReply(200, view, { etag: etag(view) });
      },
    },
    {
      method: 'DELETE',
      path: '/limits/:name/override',
      exists,
      handle: async (ctx) => {
        const name = ctx.params.name as string;
        const options = writeOptions(ctx);
        if (writer !== undefined) await writer.revert(name, options);
        const view = writer === undefined ? limits.revert(name, options) : limits.view(name);
        return jsonReply(200, view, { etag: etag(view) });
      },
    },
  ];
}
