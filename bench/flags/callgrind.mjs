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
 * The requests run in one process, with and without the flag in alternating windows,
 * `batch` requests per turn of the event loop (as a server serves them), after
 * `request-warmup` requests of each.
 *
 *   npx --yes pnpm@10.34.8 build && node bench/flags/callgrind.mjs [--ops=200000] [--warmup=200000] [--requests=2000] [--windows=3] [--request-warmup=3000] [--batch=16] [--reps=3] [--cases=ring,sticky,first,request] [--core=<dist entry> --express=<dist entry>]
 *   --core, --express: the @ballast/core and @ballast/express entries to measure (e.g. an older build's
 *   dist/index.js of each, the adapter resolving that same core), for A/B
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
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
  // Requests are served `batch` per turn of the event loop, as a server serves them: each dies young.
  // Served all in one turn, a window's requests stayed alive together until its end (their nextTick
  // callbacks keep them), were promoted, and started major GCs inside the windows that decided the difference.
  const batch = Number(option('batch', 0)) || Infinity;
  /** One loop for the warm-up and the windows, so that the windows run the code the warm-up optimised. */
  const calls = async (fn, ops) => {
    for (let i = 0; i < ops; ) {
      const end = Math.min(ops, i + batch);
      for (; i < end; i++) if (fn(i)) sink++;
      if (batch !== Infinity) await new Promise((resolve) => setImmediate(resolve));
    }
  };
  // Two cases warm up in alternating chunks of a window each, so that the code they share is optimised
  // for both before the first window (warmed one after the other, the first window re-optimised it).
  const warmup = Number(option('warmup'));
  const chunk = fns.length === 1 ? warmup : Math.max(1, Math.min(warmup, Number(option('ops'))));
  for (let done = 0, w = 0; done < warmup; done += chunk, w++) for (const fn of fns.length === 1 ? fns : [fns[sideOf(w)], fns[1 - sideOf(w)]]) await calls(fn, Math.min(chunk, warmup - done));
  await control('-i', 'on', String(process.pid));
  // A last window of no calls, bracketed alike: subtracted, it leaves out what zeroing and
  // dumping cost this process (a child process spawned each time).
  for (let w = 0; w <= windows; w++) {
    const fn = fns[fns.length === 1 ? 0 : sideOf(w)];
    const ops = w < windows ? Number(option('ops')) : 0;
    // A window of one case starts from a collected heap: otherwise it pays for the garbage of the ones before.
    // Not so the interleaved requests: a forced GC throws away optimised code, and each window then recompiled
    // some 40 functions (about 240,000 instructions a request, and more on the side with more code); their
    // pairs and medians take the GC as it comes, as a server does.
    if (fns.length === 1) globalThis.gc();
    await control('-z', String(process.pid));
    await calls(fn, ops);
    await control('-d', String(process.pid));
  }
  if (sink === -1) console.log(sink);
  await stop();
} else {
  const reps = Number(option('reps', 3));
  const core = option('core', '@ballast/core');
  const adapter = option('express', '@ballast/express');
  const COMPILE = /compiler::|Turbofan|Maglev|OptimizedCompilationJob|Pipeline/;
  const GC = /Mark|Scaveng|Sweep|Heap::|heap::|Barrier|RecordWrite|Evacuat|Worklist|RememberedSet|SlotSet|BodyDescriptor|Collector|IterateObjectCache|GCTracer|MemoryAllocator|Ephemeron|Minor|Compaction/;
  /**
   * One dump's instructions outside TurboFan and the GC, and its calls of V8's IC miss
   * handler. Both fall where they fall in a window (a major GC, a recompile) and move
   * a window's total by a third; the rest is what requests do, and the misses (reads
   * of properties V8 had no handler for: each request's and response's own hidden
   * class) are a count that barely moves.
   */
  function split(file) {
    const exclusive = execFileSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
    let rest = 0;
    for (const line of exclusive.split('\n')) {
      const m = /^\s*([\d,]+) \([^)]*\)\s+(.*)$/.exec(line);
      if (m === null || m[2].includes('PROGRAM TOTALS') || COMPILE.test(m[2]) || GC.test(m[2])) continue;
      rest += Number(m[1].replaceAll(',', ''));
    }
    // Calls of Runtime_LoadIC_Miss: `cfn=` names the callee, the `calls=` line after it counts them.
    const names = new Map();
    let callee = '';
    let misses = 0;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const fn = /^c?fn=\((\d+)\)(?: (.*))?/.exec(line);
      if (fn !== null) {
        if (fn[2] !== undefined) names.set(fn[1], fn[2]);
        if (line.startsWith('cfn=')) callee = names.get(fn[1]) ?? '';
      } else if (line.startsWith('calls=') && callee.includes('Runtime_LoadIC_Miss')) misses += Number(line.slice(6).split(' ')[0]);
    }
    return { rest, misses };
  }
  /** Instructions per call in each window of one run in a fresh process under callgrind (`detail`: also `split`'s, per call). */
  async function count(caseOption, { ops, warmup, windows, batch = 0, detail = false }) {
    const dir = mkdtempSync(join(tmpdir(), 'ballast-flags-cg-'));
    try {
      const self = fileURLToPath(import.meta.url);
      const child = spawn(
        'valgrind',
        ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(dir, 'cg.%p')}`, '--dump-instr=no', process.execPath, '--single-threaded', '--expose-gc', self, `--case=${caseOption}`, `--ops=${ops}`, `--warmup=${warmup}`, `--windows=${windows}`, `--batch=${batch}`, `--core=${core}`, `--express=${adapter}`],
        { stdio: ['ignore', 'inherit', 'ignore'] },
      );
      const code = await new Promise((resolve) => child.once('exit', resolve));
      if (code !== 0) throw new Error(`${caseOption} exited with ${code}`);
      const dumps = readdirSync(dir).filter((f) => /^cg\.\d+\.\d+$/.test(f)).sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
      const counts = dumps.map((f) => Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(join(dir, f), 'utf8'))[1]));
      const none = counts.pop();
      const totals = counts.map((c) => (c - none) / ops);
      if (!detail) return totals;
      const parts = dumps.map((f) => split(join(dir, f)));
      const empty = parts.pop();
      return totals.map((total, w) => ({ total, rest: (parts[w].rest - empty.rest) / ops, misses: (parts[w].misses - empty.misses) / ops }));
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
    const measures = { total: 'instructions per request', rest: 'the same without TurboFan and GC', misses: 'IC misses per request' };
    const sides = Object.fromEntries(Object.keys(measures).map((m) => [m, [[], []]]));
    const added = Object.fromEntries(Object.keys(measures).map((m) => [m, []]));
    for (let rep = 0; rep < reps; rep++) {
      const perWindow = await count('request,request-bare', { ops: requests, warmup: Number(option('request-warmup', 3000)), windows, batch: Number(option('batch', 16)), detail: true });
      for (const m of Object.keys(measures)) {
        perWindow.forEach((x, w) => sides[m][sideOf(w)].push(x[m]));
        for (let w = 0; w + 1 < perWindow.length; w += 2) added[m].push(perWindow[w + sideOf(w)][m] - perWindow[w + 1 - sideOf(w)][m]);
      }
    }
    const fixed = (xs) => `${median(xs).toFixed(2).padStart(7)}   (${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})`;
    console.log(`  Express request, ${requests} requests a window, ${windows} windows a side per rep:`);
    for (const [m, label] of Object.entries(measures)) {
      const show = m === 'misses' ? fixed : range;
      console.log(`   ${label}:`);
      console.log(`    with one flag()     ${show(sides[m][0])}`);
      console.log(`    without             ${show(sides[m][1])}`);
      console.log(`    added by the flag   ${show(added[m])}   (within each pair of windows)`);
    }
  }
}
