/**
 * Instructions per request of one or more throughput variants' servers, counted by
 * valgrind's callgrind: a count of instructions, not seconds, so it holds on a
 * loaded machine where req/s do not. Each server runs under callgrind; this
 * process (not instrumented) sends `warm-up` requests, zeroes the counters, then
 * `windows` times sends `requests` more over `connections` keep-alive
 * connections and dumps: the instructions of a dump divided by `requests` is the
 * server's cost of one request (its GC and libuv work included), printed in all
 * and outside the garbage collector. A server's figure is the median of its
 * windows: an optimising compile or a full collection falls in one of them and
 * would move a single window's figure by several percent. The variants run interleaved, `reps` fresh servers each;
 * medians and ranges are printed, and the cost each variant adds to its bare
 * framework in instructions and as a share of it. `node --single-threaded`:
 * no compiler or GC thread works beside the server. **requests only** leaves
 * out the optimizing compiler (`Runtime_CompileOptimized`, inclusive: once per
 * function, not per request; it ran 20-150k instructions/request in some
 * windows) and what runs in Node's timers (`node::Environment::RunTimers`,
 * inclusive): their work comes per second, not per request, and a request runs
 * tens of times slower under callgrind, so a periodic task (an observer's window
 * turning every 5 s) counts tens of times heavier per request than on a real
 * server. A collection inside either is then left out twice. **IC misses/req**:
 * calls into V8's inline-cache miss handlers, exact whatever the compiler and
 * the GC did; under Express each is about 2.1k instructions (a load) or 7k (a
 * store that adds a property).
 *
 *   node bench/http/callgrind.mjs [reps] [requests] [warm-up] [connections] [windows] 'express bare' 'express + ballast limit' ...
 *   (defaults: 2 reps, 600 requests, 3000 warm-up, 8 connections, 5 windows, the Express variants)
 *
 * Its job is the *share* of a served request (HTTP parser, libuv, writes and
 * GC included: what wrk's ratio reflects); instructions.mjs counts in-process
 * requests against no-op floors, to find *where* Ballast's own cost goes
 * (README: "Instructions per request: two tools").
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, table } from './lib/stats.mjs';
import { baselineOf } from './lib/apps.mjs';
import { callgrindControl, icMissesIn, send, startUnderCallgrind } from './lib/callgrind.mjs';

const [reps = '2', requests = '600', warmUp = '3000', connections = '8', windowsArg = '5', ...named] = process.argv.slice(2);
const windows = Number(windowsArg);
const variants = named.length > 0 ? named : ['express bare', 'express + ballast limit', 'express + ballast observe+limit'];

/** V8's garbage collector, by the names of its C++ functions (write barriers included). */
const GC = /Scaveng|Marking|MarkCompact|Sweep|Evacuat|Heap::|heap::base|Worklist|GCTracer|Compactor|RememberedSet|SlotSet|MemoryChunk|PagedSpace|NewSpace|Minor|ObjectCache|BodyDescriptor|LocalAllocator|Visitor|RecordWrite|WriteBarrier/;

/**
 * The instructions of dump `n` in `dir`, and how many of them the garbage
 * collector ran: whether a full collection falls in a window or not moves its
 * total by several percent, so the rest (the mutator) is the steadier figure.
 */
function dumpInstructions(dir, pid, n) {
  const file = join(dir, `cg.${pid}.${n}`);
  const text = execFileSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  let total = 0;
  let gc = 0;
  for (const line of text.split('\n')) {
    const match = /^\s*([\d,]+) \(/.exec(line);
    if (match === null) continue;
    const count = Number(match[1].replaceAll(',', ''));
    if (line.includes('PROGRAM TOTALS')) total = count;
    else if (GC.test(line)) gc += count;
  }
  const inclusive = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const inclusiveOf = (pattern) => Number(pattern.exec(inclusive)?.[1].replaceAll(',', '') ?? 0);
  const timers = inclusiveOf(/^\s*([\d,]+) \(.*node::Environment::RunTimers/m);
  // The optimizing compiler at work in a window (it runs on this thread): once per function, not per request.
  const compiler = inclusiveOf(/^\s*([\d,]+) \(.*Runtime_CompileOptimized\(/m) + inclusiveOf(/^\s*([\d,]+) \(.*Runtime_CompileOptimizedOSR\(/m);
  return { total, gc, aside: timers + compiler, icMisses: icMissesIn(file) };
}

async function measure(variant) {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-cg-'));
  const { child, port } = await startUnderCallgrind(fileURLToPath(new URL('./server.mjs', import.meta.url)), variant, dir);
  const agent = new Agent({ keepAlive: true, maxSockets: Number(connections) });
  const target = { port, path: '/', agent, connections: Number(connections) };
  try {
    await send(target, Number(warmUp));
    // Instrumented from here on only: the warm-up runs several times faster without it.
    callgrindControl(child.pid, '-i', 'on');
    callgrindControl(child.pid, '-z');
    const totals = [];
    const mutators = [];
    const requestsOnly = [];
    const misses = [];
    for (let n = 1; n <= windows; n++) {
      await send(target, Number(requests));
      // A dump zeroes the counters: each window counts on its own.
      callgrindControl(child.pid, '-d');
      const { total, gc, aside, icMisses } = dumpInstructions(dir, child.pid, n);
      totals.push(total / Number(requests));
      mutators.push((total - gc) / Number(requests));
      requestsOnly.push((total - gc - aside) / Number(requests));
      misses.push(icMisses / Number(requests));
    }
    return { total: median(totals), mutator: median(mutators), requestsOnly: median(requestsOnly), icMisses: median(misses) };
  } finally {
    agent.destroy();
    child.removeAllListeners('exit');
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
    // BENCH_CALLGRIND_KEEP=1 keeps the dumps for callgrind_annotate.
    if (process.env.BENCH_CALLGRIND_KEEP === '1') console.error(`dumps of ${variant}: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

const results = new Map(variants.map((v) => [v, []]));
for (let rep = 0; rep < Number(reps); rep++) {
  // A rotated order every repetition, so no variant always runs first.
  const order = variants.map((_, i) => variants[(i + rep) % variants.length]);
  for (const variant of order) {
    const perRequest = await measure(variant);
    results.get(variant).push(perRequest);
    console.error(`rep ${rep + 1} ${variant}: ${Math.round(perRequest.total)} instructions/request, ${Math.round(perRequest.mutator)} outside the GC, ${Math.round(perRequest.requestsOnly)} requests only, ${perRequest.icMisses.toFixed(2)} IC misses`);
  }
}

const k = (n) => `${(n / 1000).toFixed(1)}k`;
const rows = [['variant', 'instr/req', 'range', 'added', 'x bare', 'outside GC', 'range', 'added', 'x bare', 'requests only', 'range', 'added', 'x bare', 'IC misses/req']];
for (const [variant, values] of results) {
  const bare = results.get(baselineOf(variant));
  const cells = [variant];
  for (const key of ['total', 'mutator', 'requestsOnly']) {
    const own = values.map((v) => v[key]);
    const m = median(own);
    cells.push(k(m), `${k(Math.min(...own))}-${k(Math.max(...own))}`);
    if (bare === undefined || bare === values) cells.push('', '');
    else {
      const base = median(bare.map((v) => v[key]));
      const share = (100 * (m - base)) / base;
      cells.push(k(m - base), `${share < 0 ? '' : '+'}${share.toFixed(1)}%`);
    }
  }
  cells.push(median(values.map((v) => v.icMisses)).toFixed(2));
  rows.push(cells);
}
console.log(`callgrind, ${reps} reps interleaved, each the median of ${windows} windows of ${requests} requests after ${warmUp} warm-up, ${connections} keep-alive connections`);
console.log(table(rows));
console.log(JSON.stringify(Object.fromEntries(results)));
