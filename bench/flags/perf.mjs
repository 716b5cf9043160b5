/**
 * Where each path's server CPU goes, measured with the other paths in the same run.
 * Linux `perf` samples the server process (every thread of it: the GC's helper threads
 * count too, as they run on the server's core) while one wrk run switches every
 * connection between `/plain/`, `/flag/` and `/same/` of `server.mjs routes` every
 * `--slice` ms of CLOCK_MONOTONIC (../http/interleave.lua). `perf record -k mono` stamps
 * each sample on that clock, so each sample lands on the path of its slice, and wrk's
 * count of the slice's requests divides it.
 *
 * Per path and round: samples per 1,000 requests (CPU time a request, 1/frequency s a
 * sample) and its ratio to `/plain/` (above 1: cheaper); over all rounds, the median of
 * the rounds' ratios with a 95% bootstrap interval, and where the samples went by kind
 * (JS, Ballast's code and the route handler's, V8 builtins, V8 and Node in C++, young and old generation GC,
 * kernel) and by symbol, the largest differences from `/plain/` first. `/same/` is
 * `/plain/` under another name: how far it strays from 1.00 is how far the method can.
 * The blur of `run.mjs --interleave` holds here too: the requests in flight when the path
 * changes are counted in the slice that sent them and sampled in the next, so a
 * difference reads about connections / requests a slice smaller (3% at 200 ms).
 *
 * With `--stacks`, call graphs too: the samples taken under the route handler (a frame of
 * it on the stack: `res.json`, reading `req.ballast`, `flag()`, and what they call into,
 * builtins, the runtime, a scavenge their allocation started), per path and by innermost
 * JS frame. What `/flag/` adds there is what the flag costs the request's own code (its
 * frames, and `res.json`'s running after them); what the paths differ by elsewhere is not
 * on the request's stack. Unwinding costs every sample a little, alike on every path.
 *
 * Needs `perf` (Debian: linux-perf) with leave to sample other processes (root, or
 * kernel.perf_event_paranoid ≤ 1) and wrk. Nothing else may run on the machine meanwhile.
 *
 *   node bench/flags/perf.mjs [--rounds=3] [--seconds=90] [--slice=200] [--frequency=4999] [--warmup=10] [--stacks]
 */
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../http/lib/child.mjs';
import { median } from '../http/lib/stats.mjs';
import { wrkInterleaved } from '../http/wrk.mjs';
import { MIN_PAIRS, withInterval } from '../lib/paired.mjs';

const option = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const config = {
  rounds: option('rounds', 3),
  seconds: option('seconds', 90),
  slice: option('slice', 200),
  frequency: option('frequency', 4999),
  warmup: option('warmup', 10),
  stacks: process.argv.includes('--stacks'),
};
for (const [name, value] of Object.entries(config)) {
  if (name !== 'stacks' && !(value > 0)) throw new Error(`--${name} must be a positive number, got ${value}`);
}
try {
  execFileSync('perf', ['--version'], { stdio: 'ignore' });
} catch {
  throw new Error('perf is not installed (Debian: apt-get install -y linux-perf)');
}

const PATHS = ['plain', 'flag', 'same'];
const HEADERS = { 'x-account-id': 'acct-42' };
const CONNECTIONS = 50;

/** The kind of a sampled symbol (`name (object)` as `perf script` prints it). */
const KINDS = [
  ['Ballast + handler JS', /^JS:.*(packages\/(core|express)\/dist|bench\/flags\/server\.mjs)/],
  ['other JS', /^(JS|RegExp):/],
  ['young GC', /Scaveng|IterateAndScavenge|SemiSpace|NewSpace|RememberedSet|SlotSet/],
  ['old GC', /Mark|Sweep|Compact|Evacuat|Ephemeron|GCTracer|Heap::/],
  ['kernel', /\[kernel/],
  ['builtins', /^Builtins_/],
  ['V8 + Node C++', /\(.*\/node\)$/],
];
const kindOf = (frame) => KINDS.find(([, pattern]) => pattern.test(frame))?.[0] ?? 'other';
/** The route handler's frame (V8 inlines `req.ballast` and `flag()` into it). */
const HANDLER = /^JS:.*bench\/flags\/server\.mjs/;

/** Frames name the JIT map file of each process (`/tmp/perf-<pid>.map`): one name for all rounds. */
const frameOf = (line) => line.trim().replace(/^[0-9a-f]+\s+/, '').replace(/ \(\/tmp\/perf-\d+\.map\)$/, ' (JIT)');

/**
 * Reads `perf script -F time,ip,sym,dso` of `file` line by line (a call-graph dump does
 * not fit in one string) and calls `onSample(time in s, frames innermost first)`.
 */
async function readSamples(file, onSample) {
  const child = spawn('perf', ['script', '-i', file, '-F', 'time,ip,sym,dso'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise((resolve) => child.on('close', resolve));
  let current = null;
  for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
    const head = current === null ? /^\s*(\d+\.\d+):\s*(.*)$/.exec(line) : null;
    if (head !== null) {
      current = { time: Number(head[1]), frames: [] };
      // Without call graphs the sample's one frame follows its time on the same line.
      if (head[2].trim() !== '') {
        current.frames.push(frameOf(head[2]));
        onSample(current.time, current.frames);
        current = null;
      }
    } else if (current !== null) {
      if (line.trim() === '') {
        onSample(current.time, current.frames);
        current = null;
      } else {
        current.frames.push(frameOf(line));
      }
    }
  }
  if (current !== null) onSample(current.time, current.frames);
  const code = await exited;
  if (code !== 0) throw new Error(`perf script exited with ${code}`);
}

const empty = () => ({ requests: 0, samples: 0, kinds: new Map(), symbols: new Map(), own: new Map() });
const add = (map, key, n = 1) => map.set(key, (map.get(key) ?? 0) + n);

/** One round: a fresh server, warmed, sampled through one interleaved wrk run; per path, what it cost. */
async function round(index) {
  // Paths take turns in a rotated order, so that none always follows the same one.
  const order = PATHS.map((_, i) => PATHS[(i + index) % PATHS.length]);
  const server = await startServer(new URL('./server.mjs', import.meta.url), ['routes'], { nodeArgs: ['--perf-basic-prof'] });
  const file = join(tmpdir(), `ballast-perf-${process.pid}-${index}.data`);
  const urls = order.map((path) => `/${path}/checkout`);
  const byPath = Object.fromEntries(PATHS.map((path) => [path, empty()]));
  try {
    await wrkInterleaved(server.url, config.warmup, CONNECTIONS, { paths: urls, sliceMs: config.slice, headers: HEADERS });
    const recordArgs = ['record', '-k', 'mono', '-F', String(config.frequency), ...(config.stacks ? ['-g'] : []), '-p', String(server.pid), '-o', file];
    const recorder = spawn('perf', recordArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
    let complaint = '';
    recorder.stderr.setEncoding('utf8').on('data', (chunk) => (complaint += chunk));
    let running = true;
    const exited = new Promise((resolve) =>
      recorder.on('exit', (code) => {
        running = false;
        resolve(code);
      }),
    );
    // perf needs a moment to attach: half a second, before the measured run starts.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // It leaves at once when it may not sample the server (kernel.perf_event_paranoid, not root).
    if (!running) throw new Error(`perf record exited with ${await exited}: ${complaint.trim().slice(-300)}`);
    const run = await wrkInterleaved(server.url, config.seconds, CONNECTIONS, { paths: urls, sliceMs: config.slice, headers: HEADERS });
    recorder.kill('SIGINT');
    await exited;
    if (run.non2xx !== 0 || run.errors !== 0) throw new Error(`round ${index}: ${run.non2xx} non-2xx responses, ${run.errors} socket errors`);
    const { first, counts } = run.slices;
    // Whole slices only: two left out at each end (the partial first and last, and one more).
    const low = first + 2;
    const high = first + counts.length - 3;
    const pathOf = (slice) => order[slice % order.length];
    for (let slice = low; slice <= high; slice++) byPath[pathOf(slice)].requests += counts[slice - first];
    await readSamples(file, (time, frames) => {
      const slice = Math.floor((time * 1000) / config.slice);
      if (slice < low || slice > high || frames.length === 0) return;
      const side = byPath[pathOf(slice)];
      side.samples++;
      add(side.kinds, kindOf(frames[0]));
      add(side.symbols, frames[0]);
      // Under the route handler: what the handler does and all it calls (res.json, the scope, the flag), by innermost JS frame.
      if (config.stacks && frames.some((frame) => HANDLER.test(frame))) add(side.own, frames.find((frame) => /^(JS|RegExp):/.test(frame)) ?? frames[0]);
    });
  } finally {
    await server.stop();
    rmSync(file, { force: true });
    // V8 writes the map of its JIT code to /tmp whatever TMPDIR says.
    rmSync(`/tmp/perf-${server.pid}.map`, { force: true });
  }
  return byPath;
}

const perThousand = (n, side) => (n * 1000) / side.requests;
const microsPerSample = 1e6 / config.frequency;

/** The `limit` entries of `key` whose per-1,000 figure differs most between `side` and `base`. */
function differences(base, side, key, limit) {
  const names = new Set([...base[key].keys(), ...side[key].keys()]);
  return [...names]
    .map((name) => ({ name, plain: perThousand(base[key].get(name) ?? 0, base), other: perThousand(side[key].get(name) ?? 0, side) }))
    .map((row) => ({ ...row, delta: row.other - row.plain }))
    .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta))
    .slice(0, limit);
}

console.log(
  `perf, server.mjs routes (Express + observe(), one flag() on /flag/): ${config.rounds} rounds x ${config.seconds} s, ` +
    `paths taking turns every ${config.slice} ms, ${CONNECTIONS} connections, ${config.frequency} samples/s${config.stacks ? ' with call graphs' : ''}; ` +
    `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
);
const rounds = [];
const total = Object.fromEntries(PATHS.map((path) => [path, empty()]));
for (let i = 0; i < config.rounds; i++) {
  const byPath = await round(i);
  rounds.push(byPath);
  const cost = (path) => byPath[path].samples / byPath[path].requests;
  console.log(
    `round ${i + 1}: ` +
      PATHS.map((path) => `${path} ${byPath[path].requests} req ${(cost(path) * microsPerSample).toFixed(1)} us cpu/req`).join(', ') +
      ` | flag ${(cost('plain') / cost('flag')).toFixed(4)}x, same ${(cost('plain') / cost('same')).toFixed(4)}x`,
  );
  // A round far from the others shows here where its difference went.
  const top = differences(byPath.plain, byPath.flag, 'symbols', 4).map((row) => `${row.delta >= 0 ? '+' : ''}${row.delta.toFixed(2)} ${row.name.slice(0, 60)}`);
  console.log(`  flag - plain, samples/1k: ${top.join('; ')}`);
  for (const path of PATHS) {
    const side = total[path];
    const own = byPath[path];
    side.requests += own.requests;
    side.samples += own.samples;
    for (const key of ['kinds', 'symbols', 'own']) for (const [k, n] of own[key]) add(side[key], k, n);
  }
}

const ratioOf = (path) => (picked) => median(picked.map((r) => r.plain.samples / r.plain.requests / (r[path].samples / r[path].requests)));
for (const path of ['flag', 'same']) {
  const { ratio, low, high } = withInterval(rounds, ratioOf(path));
  const spread = rounds.length < MIN_PAIRS ? `too few rounds for an interval (${MIN_PAIRS})` : `[${low.toFixed(4)}–${high.toFixed(4)}] 95% bootstrap`;
  console.log(`${path} against plain, CPU per request: ${ratio.toFixed(4)}x, median of ${rounds.length} rounds, ${spread}`);
}

console.log('\nsamples per 1,000 requests, by kind (all rounds)');
const kinds = [...new Set(PATHS.flatMap((path) => [...total[path].kinds.keys()]))].sort();
for (const path of PATHS) {
  const side = total[path];
  console.log(`  ${path.padEnd(5)} ${perThousand(side.samples, side).toFixed(2).padStart(8)} = ` + kinds.map((k) => `${k} ${perThousand(side.kinds.get(k) ?? 0, side).toFixed(2)}`).join(', '));
}

for (const path of ['flag', 'same']) {
  console.log(`\n${path} - plain, samples per 1,000 requests by symbol (largest differences; ${microsPerSample.toFixed(0)} us a sample)`);
  for (const row of differences(total.plain, total[path], 'symbols', 20)) console.log(`  ${row.delta.toFixed(2).padStart(7)}  ${row.plain.toFixed(2).padStart(8)} ${row.other.toFixed(2).padStart(8)}  ${row.name.slice(0, 150)}`);
}
if (config.stacks) {
  console.log('\nunder the route handler (stacks through it: res.json, reading req.ballast, flag()), samples per 1,000 requests');
  const under = (side) => [...side.own.values()].reduce((a, b) => a + b, 0);
  for (const path of PATHS) {
    const side = total[path];
    console.log(`  ${path.padEnd(5)} ${perThousand(under(side), side).toFixed(2).padStart(7)} (${((100 * under(side)) / side.samples).toFixed(2)}% of the path's samples)`);
  }
  const added = perThousand(under(total.flag), total.flag) - perThousand(under(total.plain), total.plain);
  const plainCost = perThousand(total.plain.samples, total.plain);
  console.log(`  flag - plain: ${added.toFixed(2)} samples/1k = ${((added / 1000) * microsPerSample).toFixed(2)} us a request, ${((100 * added) / plainCost).toFixed(2)}% of plain's`);
  for (const row of differences(total.plain, total.flag, 'own', 12)) console.log(`    ${row.delta.toFixed(2).padStart(7)}  ${row.plain.toFixed(2).padStart(8)} ${row.other.toFixed(2).padStart(8)}  ${row.name.slice(0, 130)}`);
}
