/**
 * Instructions per confirmed publish, Ballast vs the raw client, counted by
 * valgrind's callgrind: a count, not a time, so it holds on a busy machine.
 * One publishing process (publisher.mjs, `node --single-threaded`, under
 * callgrind) holds both a raw client and a Ballast with that one broker; after
 * a warm-up of each, counting starts, and windows of BENCH_MESSAGES publishes
 * (BENCH_WINDOW in flight) alternate raw, Ballast, Ballast, raw, ..., each
 * dumped on its own. A window's instructions (the client's JS, its GC, libuv
 * and syscalls entry, not the broker's) divided by its messages is its cost per
 * publish; the table gives medians and the per-pair ratio range.
 *
 *   node bench/pubsub/callgrind.mjs [redis-streams|nats-jetstream|amqp ...]
 *   BENCH_WINDOWS (6 per side), BENCH_MESSAGES (2000), BENCH_WARMUP (5000)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callgrindControl, instructionsIn, spawnUnderCallgrind } from '../http/lib/callgrind.mjs';
import { median } from '../http/lib/stats.mjs';

const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 6);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 2000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5000);
const types = process.argv.slice(2);

async function measure(type) {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-pubsub-cg-'));
  const { child, exited } = spawnUnderCallgrind(fileURLToPath(new URL('./publisher.mjs', import.meta.url)), [type], dir, { stdout: 'inherit' });
  const replies = [];
  let waiting;
  child.on('message', (m) => (waiting ? (waiting(m), (waiting = undefined)) : replies.push(m)));
  child.once('exit', (code) => waiting?.(Promise.reject(exited(code))));
  const reply = () => (replies.length > 0 ? Promise.resolve(replies.shift()) : new Promise((resolve) => (waiting = resolve)));
  const run = async (side, count) => {
    child.send({ side, count });
    await reply();
  };
  const control = (...args) => callgrindControl(child.pid, ...args);
  const perPublish = { raw: [], ballast: [] };
  try {
    await reply(); // ready
    await run('raw', WARMUP);
    await run('ballast', WARMUP);
    control('-i', 'on');
    control('-z');
    let dump = 0;
    for (let w = 0; w < WINDOWS; w++) {
      for (const side of w % 2 === 0 ? ['raw', 'ballast'] : ['ballast', 'raw']) {
        await run(side, MESSAGES);
        control('-d'); // a dump zeroes the counters: each window counts on its own
        perPublish[side].push(instructionsIn(join(dir, `cg.${child.pid}.${++dump}`)) / MESSAGES);
      }
    }
    control('-i', 'off');
    child.send({ stop: true });
    await new Promise((resolve) => child.once('exit', resolve));
  } finally {
    child.kill('SIGTERM');
    if (process.env.BENCH_CALLGRIND_KEEP === '1') console.error(`dumps of ${type}: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  return perPublish;
}

const k = (n) => `${(n / 1000).toFixed(1)}k`;
console.log(`Instructions per confirmed publish, callgrind (${WINDOWS} windows per side of ${MESSAGES} messages, alternating, after ${WARMUP} warm-up each)`);
console.log('broker           raw instr   ballast instr   ballast/raw   (per-pair range)');
for (const type of types.length > 0 ? types : ['redis-streams', 'nats-jetstream', 'amqp']) {
  const { raw, ballast } = await measure(type);
  const ratios = raw.map((r, i) => ballast[i] / r);
  const [r, b] = [median(raw), median(ballast)];
  console.log(`${type.padEnd(16)} ${k(r).padStart(9)}   ${k(b).padStart(13)}   ${(b / r).toFixed(3).padStart(10)}x   (${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)})`);
  if (process.env.BENCH_VERBOSE === '1') console.log(JSON.stringify({ type, raw, ballast }));
}
