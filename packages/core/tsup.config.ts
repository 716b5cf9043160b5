import { cp } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

// The dashboard (packages/dashboard, built first by turbo) ships inside this package.
const dashboardBuild = fileURLToPath(new URL('../dashboard/dist/', import.meta.url));

export default defineConfig({
  // `adapter`: the subpath `@ballast/core/adapter`, for framework adapters only.
  entry: { index: 'src/index.ts', adapter: 'src/adapter/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // `import.meta.url` in the CommonJS build too: the dashboard's files are found beside the module.
  shims: true,
  onSuccess: async () => {
    await cp(dashboardBuild, fileURLToPath(new URL('./dist/dashboard/', import.meta.url)), { recursive: true });
  },
  // Class names as written (`OutboxFullError`, not esbuild's `_OutboxFullError`): errors print them.
  keepNames: true,
});
