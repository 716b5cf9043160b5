/**
 * Instructions per request, counted by valgrind's callgrind: unlike time, the
 * count does not move when other processes share the machine, so it can tell
 * a few hundred instructions apart on a loaded box where req/s and CPU time
 * swing by tens of percent. Each variant serves in-process requests
 * (lib/inprocess.mjs: no socket, no kernel) in its own process under callgrind,
 * with `--single-threaded` (the optimizing compiler runs on the main thread,
 * not beside it); counting starts after a warm-up and covers a fixed number of
 * requests. The optimizing compiler and full (mark-compact) GCs still run at
 * times that vary from one process to the next, so their own functions are
 * reported apart and left out of `mutator`; scavenges stay in (young garbage is
 * part of a layer's cost).
 *
 *   node bench/http/instructions.mjs                       (Koa: bare, the no-op floor, Ballast's limit and observe+limit)
 *   node bench/http/instructions.mjs 'express bare' 'express + ballast observe+limit'
 *
 * BENCH_INSTR_WARMUP (6000) and BENCH_INSTR_REQUESTS (3000) size each run.
 * Node runs tens of times slower under callgrind: on the shared 2 cores at load
 * average 15-19, four variants of 5000 + 2000 requests took about 30 minutes
 * with the warm-up instrumented too (it no longer is). Prints a table, then a
 * JSON summary on its last line.
 *
 * Its job is *where* the cost goes (floors side by side, framework and Ballast
 * code only); callgrind.mjs counts whole real servers over sockets, for the
 * share of a served request (README: "Instructions per request: two tools").
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oneRequest } from './lib/inprocess.mjs';
import { baselineOf, floors, probes, variants } from './lib/apps.mjs';
import { envNumber, table } from './lib/stats.mjs';

const all = { ...variants, ...floors, ...probes };

/**
 * Inside callgrind: warm up, start counting, then two dumps bracketed alike, of
 * `requests` requests and of none: their difference leaves out what zeroing and
 * dumping cost this process (a child process spawned each time).
 */
async function child(name, warmup, requests) {
  const control = (action) => execFileSync('callgrind_control', [action, String(process.pid)], { stdio: 'ignore' });
  const listener = all[name]();
  for (let i = 0; i < warmup; i++) await oneRequest(listener);
  // Started with instrumentation off (valgrind runs several times faster so).
  control('--instr=on');
  for (const count of [requests, 0]) {
    control('--zero');
    for (let i = 0; i < count; i++) await oneRequest(listener);
    control('--dump');
  }
  // Node's exit is slow under instrumentation, and nothing after the dumps counts.
  control('--instr=off');
}

/**
 * Self cost of the functions whose names match `patterns`, from callgrind's
 * (name-compressed) output, and how many calls went to the functions `callees`
 * matches (`calls`).
 */
function selfCosts(text, patterns, callees) {
  const names = new Map();
  const sums = Object.fromEntries(Object.keys(patterns).map((key) => [key, 0]));
  let calls = 0;
  let group;
  let callee = '';
  let inclusiveNext = false;
  for (const line of text.split('\n')) {
    const named = /^(c?fn)=\((\d+)\)(?: (.*))?$/.exec(line);
    if (named !== null) {
      if (named[3] !== undefined) names.set(named[2], named[3]);
      if (named[1] === 'fn') {
        const fn = names.get(named[2]) ?? '';
        group = Object.keys(patterns).find((key) => patterns[key].test(fn));
        inclusiveNext = false;
      } else callee = names.get(named[2]) ?? '';
    } else if (line.startsWith('calls=')) {
      inclusiveNext = true; // the next cost line is a callee's inclusive cost
      if (callees.test(callee)) calls += Number(/^calls=(\d+)/.exec(line)[1]);
    } else if (/^[0-9+\-*]/.test(line)) {
      if (inclusiveNext) inclusiveNext = false;
      else if (group !== undefined) sums[group] += Number(line.split(' ')[1] ?? 0);
    }
  }
  return { ...sums, calls };
}

/**
 * V8's inline-cache misses: a property read or write on an object whose hidden
 * class its caches have not met. Express gives every request and response a
 * hidden class of its own, so there each first read of a property in a request
 * misses (about 2k instructions) and each write that adds one makes a new class
 * (several thousand): counted exactly, whatever the compiler and GC did.
 */
const IC_MISSES = /Runtime_(Keyed)?(Load|Store)IC_Miss/;

const APART = {
  compiler: /v8::internal::(compiler|maglev)::|v8::internal::Zone|RegisterAllocator|InstructionSelector|CodeGenerator/,
  fullGc: /MarkCompact|Marking|Sweeper|IterateObjectCache|Evacuat|MainMarkingVisitor/,
};

function counted(name, warmup, requests) {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-instr-'));
  const args = ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(dir, 'cg.%p')}`, '--dump-instr=no'];
  const script = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    execFile('valgrind', [...args, process.execPath, '--single-threaded', script, '--child', name, String(warmup), String(requests)], { maxBuffer: 1 << 26 }, (error) => {
      try {
        if (error) throw error;
        // The explicit dumps are the files with a part number (1: the requests, 2: none); the one written at exit has none.
        const dump = (part) => {
          const file = readdirSync(dir).find((name) => name.endsWith(`.${part}`) && /^cg\.\d+\.\d+$/.test(name));
          if (file === undefined) throw new Error(`callgrind wrote no dump ${part} for ${name}`);
          return readFileSync(join(dir, file), 'utf8');
        };
        const [counted, empty] = [dump(1), dump(2)].map((text) => ({ total: Number(/^totals: (\d+)/m.exec(text)[1]), ...selfCosts(text, APART, IC_MISSES) }));
        const per = (key) => (counted[key] - empty[key]) / requests;
        const total = per('total');
        resolve({ total, compiler: per('compiler'), fullGc: per('fullGc'), mutator: total - per('compiler') - per('fullGc'), icMisses: per('calls') });
      } catch (failure) {
        reject(failure);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === '--child') {
  await child(rest[0], Number(rest[1]), Number(rest[2]));
} else {
  const asked = mode === undefined ? ['koa bare', 'koa no-op app+route', 'koa + ballast limit', 'koa + ballast observe+limit'] : [mode, ...rest];
  const unknown = asked.filter((name) => all[name] === undefined);
  if (unknown.length > 0) throw new Error(`unknown variants: ${unknown.join(', ')}`);
  const names = [...new Set([...asked.map(baselineOf), ...asked])];
  const warmup = envNumber('BENCH_INSTR_WARMUP', 6000);
  const requests = envNumber('BENCH_INSTR_REQUESTS', 3000);
  // Counts do not depend on scheduling, so the variants run side by side.
  const results = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await counted(name, warmup, requests)])));
  const rows = [['variant', 'mutator/req', 'added', 'x bare', 'IC misses/req', 'compiler/req', 'full GC/req', 'total/req']];
  for (const name of names) {
    const r = results[name];
    const base = results[baselineOf(name)].mutator;
    r.added = r.mutator - base;
    const round = (n) => String(Math.round(n));
    rows.push([name, round(r.mutator), round(r.added), (base / r.mutator).toFixed(3), r.icMisses.toFixed(2), round(r.compiler), round(r.fullGc), round(r.total)]);
  }
  console.log(table(rows));
  console.log(JSON.stringify({ warmup, requests, results }));
}
