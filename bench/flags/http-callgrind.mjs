/**
 * Server instructions per request, counted by callgrind, for the HTTP variants of
 * server.mjs (bare Express, observe(), observe() + one flag() per request): a count,
 * not seconds, so it holds on a loaded machine. Each server runs under callgrind,
 * instrumented only after `warmup` requests; then `requests` more over `connections`
 * keep-alive connections (each with the account header), and the dump's total divided
 * by `requests` is what one request costs the server (GC and libuv included). Variants
 * interleaved in rotated order, fresh servers each rep; medians and ranges.
 *
 *   npx --yes pnpm@10.34.8 build && node bench/flags/http-callgrind.mjs [--reps=3] [--requests=4000] [--warmup=8000] [--connections=8]
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callgrindControl, instructionsIn, send, startUnderCallgrind } from '../http/lib/callgrind.mjs';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const config = { reps: arg('reps', 3), requests: arg('requests', 4000), warmup: arg('warmup', 8000), connections: arg('connections', 8) };
const names = ['bare', 'observe', 'observe+flag'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(variant) {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-flags-cg-'));
  const { child, port } = await startUnderCallgrind(fileURLToPath(new URL('./server.mjs', import.meta.url)), variant, dir);
  const agent = new Agent({ keepAlive: true, maxSockets: config.connections });
  // Each request with an account header (1,000 accounts): the sticky-bucket path.
  const target = { port, path: '/checkout', agent, connections: config.connections, headers: (i) => ({ 'x-account-id': `acct-${i % 1000}` }) };
  try {
    await send(target, config.warmup);
    callgrindControl(child.pid, '-i', 'on');
    callgrindControl(child.pid, '-z');
    await send(target, config.requests);
    callgrindControl(child.pid, '-d');
    const dumps = readdirSync(dir).filter((f) => /^cg\.\d+\.\d+$/.test(f)).sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
    return instructionsIn(join(dir, dumps.at(-1))) / config.requests;
  } finally {
    agent.destroy();
    child.removeAllListeners('exit');
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = Object.fromEntries(names.map((n) => [n, []]));
for (let rep = 0; rep < config.reps; rep++) {
  for (const name of names.map((_, i) => names[(i + rep) % names.length])) {
    results[name].push(await measure(name));
    console.error(`rep ${rep + 1} ${name}: ${Math.round(results[name].at(-1))} instructions/request`);
  }
}
console.log(`server instructions per request (callgrind), ${config.reps} reps interleaved, ${config.requests} requests after ${config.warmup} warm-up, ${config.connections} connections`);
for (const name of names) {
  const xs = results[name];
  const vsObserve = median(results.observe) / median(xs);
  console.log(`  ${name.padEnd(13)} ${Math.round(median(xs)).toString().padStart(8)}  (${Math.round(Math.min(...xs))}-${Math.round(Math.max(...xs))})   x observe by instructions: ${vsObserve.toFixed(4)}`);
}
