/**
 * Instructions per `flag()` evaluation, counted by valgrind's callgrind: a count, not
 * seconds, so it holds on a loaded machine where ns/op do not. Each case runs in its own
 * process under callgrind, instrumented only after a warm-up (the code is optimised by
 * then): the instructions of `ops` calls, less those of an empty run bracketed alike,
 * divided by `ops`. Cases are the micro's
 * (see micro.mjs): the ring decides, the sticky bucket decides, and the first flag()
 * of a request (a new RequestScope, the cohort, the decision); then whole Express
 * requests built as Express's server builds them, with and without one flag() (their
 * difference is what the flag costs a real request: reads of a request's properties
 * miss V8's caches there, and the first three cases cannot show it).
 *
 * The requests run in one process, with and without the flag in alternating windows.
 *
 *   npx --yes pnpm@10.34.8 build && node bench/flags/callgrind.mjs [--ops=200000] [--warmup=200000] [--requests=2000] [--windows=3] [--reps=3] [--cases=ring,sticky,first,request] [--core=<dist entry> --express=<dist entry>]
 *   --core, --express: the @ballast/core and @ballast/express entries to measure (e.g. an older build's
 *   dist/index.js of each, the adapter resolving that same core), for A/B
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const option = (name, fallback) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const CASES = ['ring', 'sticky', 'first', 'request'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const control = (...args) => promisify(execFile)('callgrind_control', args);
/** Window `w` of an interleaved run measures side 0 or 1: A B B A, A B B A, ... so each pair of windows has one of each and neither always goes first. */
const sideOf = (w) => (w % 4 === 0 || w % 4 === 3 ? 0 : 1);

if (option('case', undefined) !== undefined) {
  // The measured child: warm up, then count windows of `ops` calls, each between zeroing the
  // counters and dumping them; `--case=a,b` alternates two cases window by window.
  const { cases } = await import('./micro.mjs');
  const { measure, stop } = await cases(option('core', '@ballast/core'), option('express', '@ballast/express'));
  const fns = option('case').split(',').map((name) => measure[name]);
  const windows = Number(option('windows', 1)) * fns.length;
  let sink = 0;
  for (const fn of fns) for (let i = 0; i < Number(option('warmup')); i++) if (fn(i)) sink++;
  await control('-i', 'on', String(process.pid));
  // A last window of no calls, bracketed alike: subtracted, it leaves out what zeroing and
  // dumping cost this process (a child process spawned each time).
  for (let w = 0; w <= windows; w++) {
    const fn = fns[fns.length === 1 ? 0 : sideOf(w)];
    const ops = w < windows ? Number(option('ops')) : 0;
    // Each window starts from a collected heap: otherwise a window pays for the garbage of the ones before.
    globalThis.gc();
    await control('-z', String(process.pid));
    for (let i = 0; i < ops; i++) if (fn(i)) sink++;
    await control('-d', String(process.pid));
  }
  if (sink === -1) console.log(sink);
  await stop();
} else {
  const reps = Number(option('reps', 3));
  const core = option('core', '@ballast/core');
  const adapter = option('express', '@ballast/express');
  /** Instructions per call in each window of one run in a fresh process under callgrind. */
  async function count(caseOption, { ops, warmup, windows }) {
    const dir = mkdtempSync(join(tmpdir(), 'ballast-flags-cg-'));
    try {
      const self = fileURLToPath(import.meta.url);
      const child = spawn(
        'valgrind',
        ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(dir, 'cg.%p')}`, '--dump-instr=no', process.execPath, '--single-threaded', '--expose-gc', self, `--case=${caseOption}`, `--ops=${ops}`, `--warmup=${warmup}`, `--windows=${windows}`, `--core=${core}`, `--express=${adapter}`],
        { stdio: ['ignore', 'inherit', 'ignore'] },
      );
      const code = await new Promise((resolve) => child.once('exit', resolve));
      if (code !== 0) throw new Error(`${caseOption} exited with ${code}`);
      const dumps = readdirSync(dir).filter((f) => /^cg\.\d+\.\d+$/.test(f)).sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
      const counts = dumps.map((f) => Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(join(dir, f), 'utf8'))[1]));
      const none = counts.pop();
      return counts.map((c) => (c - none) / ops);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const chosen = option('cases', CASES.join(',')).split(',');
  const range = (xs) => `${Math.round(median(xs)).toString().padStart(7)}   (${Math.round(Math.min(...xs))}-${Math.round(Math.max(...xs))})`;
  console.log(`flag(), callgrind: median of ${reps} (range); core: ${core}, express: ${adapter}`);
  const single = { ops: Number(option('ops', 200_000)), warmup: option('warmup', '200000'), windows: 1 };
  for (const name of chosen.filter((c) => c !== 'request')) {
    const xs = [];
    for (let rep = 0; rep < reps; rep++) xs.push(...(await count(name, single)));
    console.log(`  ${name.padEnd(8)} ${range(xs)}   instructions per call`);
  }
  if (chosen.includes('request')) {
    // Whole requests with and without the flag, in one process, window by window (A B B A ...):
    // the difference is taken within each pair of windows, under the same state of the heap.
    const requests = Number(option('requests', 2000));
    const windows = Number(option('windows', 3));
    const sides = [[], []];
    const added = [];
    for (let rep = 0; rep < reps; rep++) {
      const perWindow = await count('request,request-bare', { ops: requests, warmup: requests, windows });
      perWindow.forEach((x, w) => sides[sideOf(w)].push(x));
      for (let w = 0; w + 1 < perWindow.length; w += 2) added.push(perWindow[w + sideOf(w)] - perWindow[w + 1 - sideOf(w)]);
    }
    console.log(`  Express request, ${requests} requests a window, ${windows} windows a side per rep, instructions per request:`);
    console.log(`    with one flag()     ${range(sides[0])}`);
    console.log(`    without             ${range(sides[1])}`);
    console.log(`    added by the flag   ${range(added)}   (within each pair of windows)`);
  }
}
