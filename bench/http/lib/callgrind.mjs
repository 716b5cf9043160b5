/** Helpers shared by the benches that count instructions under callgrind (a server's per request, a publisher's per publish). */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

/**
 * Runs `node --single-threaded <script> <...args>` under callgrind with an IPC channel,
 * instrumentation off until `callgrind_control -i on`; dumps go to `dir/cg.<pid>.<n>`.
 * `exited(code)` is the error to reject with when it dies: it carries the end of its stderr.
 */
export function spawnUnderCallgrind(script, args, dir, { stdout = 'ignore' } = {}) {
  const child = spawn(
    'valgrind',
    ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(dir, 'cg.%p')}`, '--dump-instr=no', process.execPath, '--single-threaded', script, ...args],
    { stdio: ['ignore', stdout, 'pipe', 'ipc'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  const exited = (code) => new Error(`${[script, ...args].join(' ')} exited with ${code}: ${stderr.slice(-800)}`);
  return { child, exited };
}

/** `callgrind_control <args> <pid>`: `-i on` starts counting, `-z` zeroes, `-d` dumps (a dump zeroes too). */
export function callgrindControl(pid, ...args) {
  execFileSync('callgrind_control', [...args, String(pid)], { stdio: 'ignore' });
}

/** V8's inline-cache miss handlers: each call is a property access that went to the runtime (about 2.1k instructions for a load under Express). */
const IC_MISS = /Runtime_(Keyed)?(Load|Store)IC_Miss/;
const FUNCTION = /^(c?)fn=\((\d+)\)(?: (.*))?$/;

/** How many calls into V8's inline-cache miss handlers one callgrind dump recorded (exact, unlike instructions). */
export function icMissesIn(file) {
  const names = new Map();
  let missing = false;
  let misses = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    // Names are compressed: given once, with their number, by whichever line names the function first.
    const fn = FUNCTION.exec(line);
    if (fn !== null) {
      if (fn[3] !== undefined) names.set(fn[2], fn[3]);
      missing = fn[1] === 'c' && IC_MISS.test(names.get(fn[2]) ?? '');
    } else if (missing && line.startsWith('calls=')) {
      misses += Number(line.slice(6).split(' ')[0]);
      missing = false;
    }
  }
  return misses;
}

/** The instructions (Ir) one callgrind dump counted. */
export function instructionsIn(file) {
  return Number(/^(?:summary|totals):\s*(\d+)/m.exec(readFileSync(file, 'utf8'))?.[1] ?? Number.NaN);
}

/**
 * Starts `node --single-threaded <server> <variant>` under callgrind (see
 * `spawnUnderCallgrind`). Resolves with the child and its port once the server
 * reports `listening` over IPC.
 */
export function startUnderCallgrind(server, variant, dir) {
  const { child, exited } = spawnUnderCallgrind(server, [variant], dir);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(exited(code)));
    child.on('message', (message) => {
      if (message.type === 'listening') resolve({ child, port: message.port });
    });
  });
}

/**
 * `total` GETs of `path` over `connections` keep-alive connections of `agent`, each sending
 * its next once the answer is read; `headers(i)` gives the i-th request's headers.
 */
export async function send({ port, path, agent, connections, headers = () => ({}) }, total) {
  let left = total;
  const one = (i) =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, agent, headers: headers(i) }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
        res.resume().on('end', resolve);
      });
      req.on('error', reject).end();
    });
  const loop = async () => {
    while (left > 0) {
      left--;
      await one(left);
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
}
