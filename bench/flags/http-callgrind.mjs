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
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const config = { reps: arg('reps', 3), requests: arg('requests', 4000), warmup: arg('warmup', 8000), connections: arg('connections', 8) };
const names = ['bare', 'observe', 'observe+flag'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function start(variant, dir) {
  const server = fileURLToPath(new URL('./server.mjs', import.meta.url));
  const child = spawn(
    'valgrind',
    ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(dir, 'cg.%p')}`, '--dump-instr=no', process.execPath, '--single-threaded', server, variant],
    { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] },
  );
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${variant} exited with ${code}`)));
    child.on('message', (m) => m.type === 'listening' && resolve({ child, port: m.port }));
  });
}

/** `total` GET /checkout over keep-alive connections, each sending its next once the answer is read. */
async function send(port, total, agent) {
  let left = total;
  const one = () =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/checkout', agent, headers: { 'x-account-id': `acct-${left % 1000}` } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
        res.resume().on('end', resolve);
      });
      req.on('error', reject).end();
    });
  const loop = async () => {
    while (left-- > 0) await one();
  };
  await Promise.all(Array.from({ length: config.connections }, loop));
}

async function measure(variant) {
  const dir = mkdtempSync(join(tmpdir(), 'ballast-flags-cg-'));
  const { child, port } = await start(variant, dir);
  const agent = new Agent({ keepAlive: true, maxSockets: config.connections });
  try {
    await send(port, config.warmup, agent);
    execFileSync('callgrind_control', ['-i', 'on', String(child.pid)], { stdio: 'ignore' });
    execFileSync('callgrind_control', ['-z', String(child.pid)], { stdio: 'ignore' });
    await send(port, config.requests, agent);
    execFileSync('callgrind_control', ['-d', String(child.pid)], { stdio: 'ignore' });
    const dumps = readdirSync(dir).filter((f) => /^cg\.\d+\.\d+$/.test(f)).sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
    return Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(join(dir, dumps.at(-1)), 'utf8'))[1]) / config.requests;
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
