import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** One file of the dashboard, held in memory. */
export interface DashboardAsset {
  contentType: string;
  body: string;
}

/** The page (`index.html`) and its assets by file name: the only files the dashboard ever serves. */
export type DashboardAssets = ReadonlyMap<string, DashboardAsset>;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml; charset=utf-8',
};

/**
 * Where the built dashboard lives: `dist/dashboard/` beside the bundled module in
 * the published package; when core runs from source in this repository (tests),
 * the dashboard package's own build, `packages/dashboard/dist/`.
 */
const CANDIDATE_DIRS = [new URL('./dashboard/', import.meta.url), new URL('../../../dashboard/dist/', import.meta.url)];

async function readDir(dir: URL): Promise<DashboardAssets | undefined> {
  let names: string[];
  try {
    names = await readdir(fileURLToPath(dir));
  } catch {
    return undefined;
  }
  if (!names.includes('index.html')) return undefined;
  const assets = new Map<string, DashboardAsset>();
  for (const name of names) {
    const contentType = CONTENT_TYPES[name.slice(name.lastIndexOf('.'))];
    if (contentType === undefined) continue;
    assets.set(name, { contentType, body: await readFile(new URL(name, dir), 'utf8') });
  }
  return assets;
}

let loading: Promise<DashboardAssets> | undefined;

/**
 * Reads the built dashboard once into memory; requests are answered from this
 * fixed map only, so no request path ever reaches the filesystem.
 * Empty when the package was built without it.
 */
export function dashboardAssets(): Promise<DashboardAssets> {
  loading ??= (async () => {
    for (const dir of CANDIDATE_DIRS) {
      const found = await readDir(dir);
      if (found !== undefined) return found;
    }
    return new Map();
  })();
  return loading;
}
