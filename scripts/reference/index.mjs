// Generates docs/reference.md from the sources (see collect.mjs), or with
// --check fails when the file is stale or when something lacks a description:
// an option or event without a doc comment, an admin route without a section
// in docs/admin-routes.md (or a section without a route), a metric without help.
//
//   node scripts/reference/index.mjs           write docs/reference.md
//   node scripts/reference/index.mjs --check   verify (part of `pnpm verify`)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createProgram, exportsOf, packageEntries, scanLiterals, typeOfSymbol, walkEvents, walkOptions } from './collect.mjs';
import { render } from './render.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const out = join(root, 'docs/reference.md');
const routeDocsFile = join(root, 'docs/admin-routes.md');

const packages = packageEntries(root);
const program = createProgram(root, packages.map((p) => p.entry));
const checker = program.getTypeChecker();
const problems = [];

// Options: everything under createBallast's options, then every other exported `*Options` type.
const seen = new Set();
const sections = [];
for (const pkg of packages) {
  const exported = exportsOf(checker, program, pkg.entry);
  const names = [...exported.keys()].filter((n) => /Options$/.test(n)).sort((a, b) => (a === 'BallastOptions' ? -1 : b === 'BallastOptions' ? 1 : a.localeCompare(b)));
  for (const name of names) {
    // Documented already where an option's type names it (`brokers: Record<string, BrokerOptions>`).
    const named = new RegExp(`\\b${name}\\b`);
    if (seen.has(name) || sections.some((section) => section.options.some((o) => named.test(o.type)))) continue;
    const options = walkOptions(checker, typeOfSymbol(checker, exported.get(name)), '', root, seen);
    sections.push({ package: pkg.name, name, options });
  }
}
const optionSections = sections.filter((s) => s.options.length > 0);
for (const section of optionSections) {
  for (const option of section.options) {
    if (option.description === '') problems.push(`option ${section.name === 'BallastOptions' ? '' : `${section.name}: `}${option.path} has no description: add a /** doc comment */ at ${option.where}`);
  }
}

const core = packages.find((p) => p.name === '@ballast/core');
const coreExports = exportsOf(checker, program, core.entry);
const events = walkEvents(checker, typeOfSymbol(checker, coreExports.get('BallastEvents')), root);
for (const event of events) if (event.description === '') problems.push(`event ${event.name} has no description: add a /** doc comment */ at ${event.where}`);

// Admin routes: those registered by a fully configured instance, plus any other `{ method, path }` in the sources.
const { routes: scanned, metrics } = scanLiterals(program, root);
const { createBallast } = await import(pathToFileURL(join(root, 'packages/core/dist/index.js')).href);
const fullyConfigured = createBallast({
  limits: { search: { maxConcurrent: 1 } },
  dependencies: { profiles: {} },
  asserts: { latency: 'p99(latency) < 50ms' },
  outbox: { database: 'postgres://docs.invalid/ballast', destinations: { billing: { deliver: async () => {} } } },
  fleet: { database: 'postgres://docs.invalid/ballast' },
  admin: { tokens: { docs: { secret: 'docs-generator-secret', role: 'read' } } },
});
const registered = fullyConfigured.admin.routes();
const publicRoutes = new Set(registered.filter((r) => r.public).map((r) => `${r.method} ${r.path}`));
const routeDocs = parseRouteDocs(readFileSync(routeDocsFile, 'utf8'));
const inCode = new Set([...registered.map((r) => `${r.method} ${r.path}`), ...scanned.map((r) => `${r.method} ${r.path}`)]);
// In the order docs/admin-routes.md gives them, then any it lacks.
const routeKeys = [...[...routeDocs.sections.keys()].filter((k) => inCode.has(k)), ...[...inCode].filter((k) => !routeDocs.sections.has(k)).sort()];
for (const key of routeKeys) if (!routeDocs.sections.has(key)) problems.push(`admin route ${key} has no section "### ${key}" in docs/admin-routes.md`);
for (const key of routeDocs.sections.keys()) if (!inCode.has(key)) problems.push(`docs/admin-routes.md documents ${key}, which no code registers`);
for (const metric of metrics) if (metric.help.trim() === '') problems.push(`metric ${metric.name} has empty help text (${metric.where})`);

const text = render({ optionSections, events, routeDocs, routeKeys, publicRoutes, metrics });

if (process.argv.includes('--check')) {
  const current = existsSync(out) ? readFileSync(out, 'utf8') : '';
  if (current !== text) problems.push('docs/reference.md is stale: run `npx --yes pnpm@10.34.8 run docs` and commit it');
  if (problems.length > 0) {
    console.error(`docs check: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join('\n')}\n(DEVELOPERS.md, "Docs", says what to write)`);
    process.exit(1);
  }
  console.log(`docs check: docs/reference.md is current (${optionSections.reduce((n, s) => n + s.options.length, 0)} options, ${routeKeys.length} routes, ${metrics.length} metrics, ${events.length} events)`);
} else {
  writeFileSync(out, text);
  console.log(`wrote docs/reference.md${problems.length > 0 ? `; ${problems.length} thing(s) lack a description:\n${problems.map((p) => `  - ${p}`).join('\n')}` : ''}`);
}

/** `### METHOD /path` sections of docs/admin-routes.md, and the text before the first one. */
function parseRouteDocs(source) {
  const body = source.replace(/^<!--[\s\S]*?-->\s*/, '');
  const [intro, ...parts] = body.split(/^### /m);
  const sections = new Map();
  for (const part of parts) {
    const newline = part.indexOf('\n');
    sections.set(part.slice(0, newline).trim(), part.slice(newline + 1).trim());
  }
  return { intro: intro.trim(), sections };
}
