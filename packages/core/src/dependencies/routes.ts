import { registerAdminErrorStatus } from '../admin/errors.js';
import type { AdminRoute } from '../admin/route.js';
import { DependencyOpenError, DependencyTimeoutError } from './errors.js';
import { parseIfMatch, versionEtag } from '../http/etag.js';
import { jsonReply } from '../http/types.js';
import type { DependencyRegistry } from './registry.js';

/** `GET /dependencies`, `GET /dependencies/:name`, `PATCH /dependencies/:name` (settings and `force`). */
export function dependencyRoutes(dependencies: DependencyRegistry): AdminRoute[] {
  registerAdminErrorStatus(DependencyOpenError.code, 503);
  registerAdminErrorStatus(DependencyTimeoutError.code, 504, 'timeout');
  const exists = (params: Record<string, string>): boolean => dependencies.has(params.name as string);
  return [
    { method: 'GET', path: '/dependencies', handle: () => jsonReply(200, { dependencies: dependencies.views() }) },
    {
      method: 'GET',
      path: '/dependencies/:name',
      exists,
      handle: ({ params }) => {
        const view = dependencies.view(params.name as string);
        return jsonReply(200, view, { etag: versionEtag(view.version) });
      },
    },
    {
      method: 'PATCH',
      path: '/dependencies/:name',
      exists,
      body: 'json',
      handle: ({ params, body, actor, header }) => {
        const ifVersion = parseIfMatch(header('if-match'));
        const view = dependencies.update(params.name as string, body, {
          actor,
          ...(ifVersion === undefined ? {} : { ifVersion }),
        });
        return jsonReply(200, view, { etag: versionEtag(view.version) });
      },
    },
  ];
}
