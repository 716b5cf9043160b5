import type { AdminRoute } from '../admin/route.js';
import { jsonReply } from '../http/types.js';
import { InvalidSettingsError } from '../errors/index.js';
import type { LimitRegistry, LimitView } from './registry.js';

const etag = (view: LimitView): string => `"${view.version}"`;

/** Parses `If-Match: "<version>"`; `*` or absent means no precondition. */
function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*"(\d{1,15})"\s*$/.exec(header);
  if (match === null) throw new InvalidSettingsError('If-Match', 'must be an ETag such as "3"');
  return Number(match[1]);
}

/** `GET /limits`, `GET /limits/:name`, `PATCH /limits/:name`. */
export function limitRoutes(limits: LimitRegistry): AdminRoute[] {
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
      handle: ({ params, body, actor, header }) => {
        const ifVersion = parseIfMatch(header('if-match'));
        const view = limits.update(params.name as string, body, {
          actor,
          ...(ifVersion === undefined ? {} : { ifVersion }),
        });
        return jsonReply(200, view, { etag: etag(view) });
      },
    },
  ];
}
