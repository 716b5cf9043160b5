/**
 * CPU-profiles one throughput variant's server under load (node --cpu-prof) and
 * prints where its time goes: the top functions by self time, and every
 * function from the Ballast packages with the share of samples it was on the
 * stack for (total) and at the top (self).
 *
 *   node bench/http/profile.mjs 'koa + ballast limit' [seconds]
 *   node bench/http/profile.mjs 'flags:observe+flag' [seconds]     (a bench/flags server)
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOAD_CORE, runJson, startServer } from './lib/child.mjs';
import { table } from './lib/stats.mjs';

const [variant = 'koa + ballast limit', seconds = '5'] = process.argv.slice(2);
// `flags:<name>` profiles a bench/flags server (`flags:observe+flag`) under its own load (a sticky key header).
const flags = variant.startsWith('flags:');
const dir = mkdtempSync(join(tmpdir(), 'ballast-prof-'));
const server = await startServer(new URL(flags ? '../flags/server.mjs' : './server.mjs', import.meta.url), [flags ? variant.slice(6) : variant], {
  nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
});
const load = (s) =>
  flags
    ? runJson(new URL('../flags/load.mjs', import.meta.url), [`${server.url}checkout`, s, '50'], { core: LOAD_CORE })
    : runJson(new URL('./load.mjs', import.meta.url), [server.url, s, '100', '1'], { core: LOAD_CORE });
await load('2'); // warm-up (also profiled, but short)
const result = await load(seconds);
await server.stop();
console.log(`${variant}: ${Math.round(result.requestsPerSecond)} req/s while profiling`);

const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const hits = new Map();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
const total = profile.samples.length;

const label = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url === '' ? '' : ` ${url.replace(/^.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, '').replace(/^file:\/\/.*\/packages\//, '')}:${lineNumber + 1}`;
  return `${functionName || '(anonymous)'}${where}`;
};
const self = new Map();
const inclusive = new Map();
for (const [id, count] of hits) {
  const name = label(byId.get(id));
  self.set(name, (self.get(name) ?? 0) + count);
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const n = label(byId.get(at));
    if (!seen.has(n)) inclusive.set(n, (inclusive.get(n) ?? 0) + count);
    seen.add(n);
  }
}
const pct = (count) => `${((100 * (count ?? 0)) / total).toFixed(2)}%`;
const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 25);
console.log(`\nTop self time (${total} samples)`);
console.log(table([['function', 'self', 'total'], ...top.map(([n, c]) => [n, pct(c), pct(inclusive.get(n))])]));
const ours = [...inclusive].filter(([n]) => /ballast|(^| )(core|express|koa)\/dist\//.test(n)).sort((a, b) => b[1] - a[1]);
const idle = self.get('(idle)') ?? 0;
let ballastSelf = 0;
for (const [id, count] of hits) if (byId.get(id).callFrame.url.includes('/packages/')) ballastSelf += count;
console.log(
  `\nBallast code (self time of every function in packages/*/dist): ${((100 * ballastSelf) / (total - idle)).toFixed(2)}% ` +
    `of the server's busy samples (${total - idle} busy of ${total}); time Node spends on Ballast's behalf ` +
    `(e.g. adding and emitting its 'close' listener) is counted under Node's functions, not here.`,
);
console.log('\nBallast functions');
console.log(table([['function', 'self', 'total'], ...ours.map(([n, c]) => [n, pct(self.get(n)), pct(c)])]));
console.log(`\nprofile: ${join(dir, file)}`);
