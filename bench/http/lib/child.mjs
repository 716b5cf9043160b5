import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** CPU cores: the server gets one, the load generator the other (set BENCH_NO_PIN=1 to skip pinning). */
export const SERVER_CORE = process.env.BENCH_SERVER_CORE ?? '0';
export const LOAD_CORE = process.env.BENCH_LOAD_CORE ?? '1';
const pin = process.env.BENCH_NO_PIN !== '1';

/** Spawns `node <script> ...args`, pinned to `core` with taskset. */
export function spawnNode(script, args, { core, ipc = false, nodeArgs = [] } = {}) {
  const file = fileURLToPath(script);
  const command = pin ? 'taskset' : process.execPath;
  const argv = pin ? ['-c', core, process.execPath, ...nodeArgs, file, ...args] : [...nodeArgs, file, ...args];
  return spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit', ...(ipc ? ['ipc'] : [])] });
}

/** Runs a child to completion and parses the JSON it prints last on stdout. */
export function runJson(script, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawnNode(script, args, options);
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${script} ${args.join(' ')} exited with ${code}`));
      const lines = out.trim().split('\n');
      try {
        resolve(JSON.parse(lines[lines.length - 1]));
      } catch (error) {
        reject(new Error(`${script} printed no JSON: ${out.slice(-500)}`, { cause: error }));
      }
    });
  });
}

/** A server child: resolves once it reports its port over IPC; `cpu()` asks for its CPU time. */
export function startServer(script, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawnNode(script, args, { core: SERVER_CORE, ipc: true, ...options });
    const pending = [];
    child.on('error', reject);
    child.once('exit', (code) => reject(new Error(`server ${args.join(' ')} exited early with ${code}`)));
    child.on('message', (message) => {
      if (message.type === 'listening') {
        resolve({
          port: message.port,
          /** The server's process id (taskset execs node: the same process). */
          pid: child.pid,
          url: `http://127.0.0.1:${message.port}/`,
          /** Server CPU time (user + system), in microseconds. */
          cpu: () =>
            new Promise((done) => {
              pending.push(done);
              child.send({ type: 'cpu' });
            }),
          /** Server-side durations (ms) by status code since the last call (overload server only). */
          timings: () =>
            new Promise((done) => {
              child.once('message', (reply) => done(reply.byStatus));
              child.send({ type: 'timings' });
            }),
          stop: () =>
            new Promise((done) => {
              child.removeAllListeners('exit');
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      } else if (message.type === 'cpu') {
        pending.shift()?.(message.micros);
      }
    });
  });
}
