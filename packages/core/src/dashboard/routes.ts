import type { AdminRoute } from '../admin/route.js';
import { jsonReply, type Reply } from '../http/types.js';
import { dashboardAssets, type DashboardAsset } from './assets.js';
import { DASHBOARD_SECURITY_HEADERS } from './headers.js';

const assetReply = (asset: DashboardAsset): Reply => ({
  status: 200,
  headers: { ...DASHBOARD_SECURITY_HEADERS, 'content-type': asset.contentType },
  body: asset.body,
});

const notFound = (what: string): Reply => ({
  status: 404,
  headers: { ...DASHBOARD_SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' },
  body: `${what} not found\n`,
});

/**
 * `GET /` (the page), `GET /assets/:file` (its script, style and icon) and
 * `GET /whoami`. The page and assets hold no data and need no token; they come
 * from a fixed in-memory map, never from a path on disk.
 */
export function dashboardRoutes(): AdminRoute[] {
  return [
    {
      method: 'GET',
      path: '/',
      public: true,
      handle: async ({ originalPath }) => {
        // `/_ballast` → `/_ballast/`, so that the page's relative asset URLs resolve under the prefix.
        if (!originalPath.endsWith('/')) {
          const last = originalPath.slice(originalPath.lastIndexOf('/') + 1);
          return { status: 302, headers: { ...DASHBOARD_SECURITY_HEADERS, location: `./${last}/` }, body: '' };
        }
        const page = (await dashboardAssets()).get('index.html');
        return page === undefined ? notFound('The dashboard was not built into this package; its page is') : assetReply(page);
      },
    },
    {
      method: 'GET',
      path: '/assets/:file',
      public: true,
      handle: async ({ params }) => {
        const file = params.file as string;
        const asset = file === 'index.html' ? undefined : (await dashboardAssets()).get(file);
        return asset === undefined ? notFound('Asset') : assetReply(asset);
      },
    },
    {
      method: 'GET',
      path: '/whoami',
      // Never the secret: only the token's name and role, so the page knows which controls to show.
      handle: ({ token }) => jsonReply(200, { name: token?.name, role: token?.role }),
    },
  ];
}
