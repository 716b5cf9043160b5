import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string): string => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// The subpath first: an alias also matches the start of a longer specifier.
const alias = {
  '@ballast/core/adapter': fileURLToPath(new URL('./packages/core/src/adapter/index.ts', import.meta.url)),
  '@ballast/core': src('core'),
  '@ballast/express': src('express'),
  '@ballast/koa': src('koa'),
  '@ballast/openfeature': src('openfeature'),
  '@ballast/testkit': src('testkit'),
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
          exclude: ['test/faults/**', '**/node_modules/**'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          // These restart PostgreSQL: one file at a time, after everything else.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
