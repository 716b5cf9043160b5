// Builds the dashboard into dist/: index.html plus app.js, app.css and icon.svg
// (minified, every dependency bundled, nothing loaded from elsewhere at run time).
// @ballast/core's build copies dist/ into its own package.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { build } from 'esbuild';

const out = new URL('./dist/', import.meta.url);
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  entryPoints: { app: 'src/main.tsx' },
  outdir: 'dist',
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome111', 'firefox111', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});
await copyFile(new URL('./src/index.html', import.meta.url), new URL('index.html', out));
await copyFile(new URL('./src/icon.svg', import.meta.url), new URL('icon.svg', out));
