/** Helpers shared by the benches that count a server's instructions per request under callgrind. */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';

/**
 * Starts `node --single-threaded <server> <variant>` under callgrind, instrumentation off
 * until `callgrind_control -i on`; dumps go to `dir/cg.<pid>.<n>`. Resolves with the child
 * and its port once the server reports `listening` over IPC.
 */
export function startUnderCallgrind(server, variant, dir) {
  const child = spawn(
    'valgrind',
    ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(dir, 'cg.%p')}`, '--dump-instr=no', process.execPath, '--single-threaded', server, variant],
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${variant} exited with ${code}: ${stderr.slice(-800)}`)));
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
