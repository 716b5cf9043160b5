/**
 * Instructions per `flag()` evaluation, counted by valgrind's callgrind: a count, not
 * seconds, so it holds on a loaded machine where ns/op do not. Each case runs in its own
 * process under callgrind, instrumented only after a warm-up (the code is optimised by
 * then): the instructions of `ops` calls, less those of an empty run bracketed alike,
 * divided by `ops`. Cases are the micro's
 * (see micro.mjs): the ring decides, the sticky bucket decides, and the first flag()
 * of a request (a new RequestScope, the cohort, the decision).
 *
 *   npx --yes pnpm@10.34.8 build && node bench/flags/callgrind.mjs [--ops=200000] [--warmup=200000] [--reps=3] [--core=<dist entry>]
 *   --core: the @ballast/core entry to measure (e.g. a copy of an older build's dist/index.js), for A/B
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const option = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const CASES = ['ring', 'sticky', 'first'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const control = (...args) => promisify(execFile)('callgrind_control', args);

if (option('case', undefined) !== undefined) {
  // The measured child: warm up, count `ops` calls between zeroing the counters and dumping them.
  const { cases } = await import('./micro.mjs');
  const { measure, stop } = await cases(option('core', '@ballast/core'));
  const fn = measure[option('case')];
  let sink = 0;
  for (let i = 0; i < Number(option('warmup')); i++) if (fn(i)) sink++;
  await control('-i', 'on', String(process.pid));
  // Two dumps bracketed alike, of `ops` calls and of none: their difference leaves out what
  // zeroing and dumping cost this process (a child process spawned each time).
  for (const ops of [Number(option('ops')), 0]) {
    await control('-z', String(process.pid));
    for (let i = 0; i < ops; i++) if (fn(i)) sink++;
    await control('-d', String(process.pid));
  }
  if (sink === -1) console.log(sink);
  await stop();
} else {
  const ops = Number(option('ops', 200_000));
  const warmup = option('warmup', '200000');
  const reps = Number(option('reps', 3));
  const core = option('core', '@ballast/core');
  const entry = core.startsWith('@') ? core : pathToFileURL(core).href;
  /** Instructions per call of one case, in a fresh process under callgrind. */
  async function count(name) {
    const dir = mkdtempSync(join(tmpdir(), 'ballast-flags-cg-'));
    try {
      const self = fileURLToPath(import.meta.url);
      const child = spawn(
        'valgrind',
        ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(dir, 'cg.%p')}`, '--dump-instr=no', process.execPath, '--single-threaded', self, `--case=${name}`, `--ops=${ops}`, `--warmup=${warmup}`, `--core=${entry}`],
        { stdio: ['ignore', 'inherit', 'ignore'] },
      );
      const code = await new Promise((resolve) => child.once('exit', resolve));
      if (code !== 0) throw new Error(`${name} exited with ${code}`);
      const dumps = readdirSync(dir).filter((f) => /^cg\.\d+\.\d+$/.test(f)).sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
      const [calls, none] = dumps.map((f) => Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(join(dir, f), 'utf8'))[1]));
      return (calls - none) / ops;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const results = Object.fromEntries(CASES.map((c) => [c, []]));
  for (let rep = 0; rep < reps; rep++) for (const name of CASES) results[name].push(await count(name));
  console.log(`flag(), callgrind: instructions per call, ${ops} calls after ${warmup} warm-up, median of ${reps} (range); core: ${core}`);
  for (const [name, xs] of Object.entries(results)) {
    console.log(`  ${name.padEnd(8)} ${Math.round(median(xs)).toString().padStart(6)}   (${Math.round(Math.min(...xs))}-${Math.round(Math.max(...xs))})`);
  }
}
