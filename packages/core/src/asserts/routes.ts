import type { AdminRoute } from '../admin/route.js';
import { jsonReply } from '../http/types.js';
import type { AssertMonitor } from './monitor.js';

/** `GET /asserts`, `GET|PUT|DELETE /asserts/:name`. */
export function assertRoutes(asserts: AssertMonitor): AdminRoute[] {
  const exists = (params: Record<string, string>): boolean => asserts.has(params.name as string);
  return [
    {
      method: 'GET',
      path: '/asserts',
      handle: async () => jsonReply(200, { asserts: Object.fromEntries((await asserts.evaluate()).map((v) => [v.name, v])) }),
    },
    { method: 'GET', path: '/asserts/:name', exists, handle: async ({ params }) => jsonReply(200, await asserts.view(params.name as string)) },
    {
      method: 'PUT',
      path: '/asserts/:name',
      body: 'json',
      handle: async ({ params, body, actor }) => {
        const name = params.name as string;
        const created = !asserts.has(name);
        asserts.set(name, body, actor);
        return jsonReply(created ? 201 : 200, await asserts.view(name));
      },
    },
    {
      method: 'DELETE',
      path: '/asserts/:name',
      exists,
      handle: ({ params, actor }) => {
        asserts.remove(params.name as string, actor);
        return { status: 204, headers: {} };
      },
    },
  ];
}
