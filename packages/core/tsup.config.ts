import { defineConfig } from 'tsup';

export default defineConfig({
  // `adapter`: the subpath `@ballast/core/adapter`, for framework adapters only.
  entry: { index: 'src/index.ts', adapter: 'src/adapter/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // Class names as written (`OutboxFullError`, not esbuild's `_OutboxFullError`): errors print them.
  keepNames: true,
});
