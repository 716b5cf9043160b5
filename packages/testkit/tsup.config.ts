import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  // ESM only: the testkit is private, runs under vitest, and uses import.meta.url.
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // Class names as written (`OutboxFullError`, not esbuild's `_OutboxFullError`): errors print them.
  keepNames: true,
});
