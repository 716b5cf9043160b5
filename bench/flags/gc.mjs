/**
 * Young-generation GC per request of one server.mjs variant under wrk: the server runs with
 * --trace-gc, wrk warms it for 3 s and loads it for 4 s (50 connections, the bench's header), and
 * the scavenges and mark-compacts over both are counted per 1,000 requests served.
 *
 *   node bench/flags/gc.mjs <bare|observe|observe+flag>
 */
import { execFileSync, fork } from 'node:child_process';

const variant = process.argv[2] ?? 'observe+flag';
const child = fork(new URL('./server.mjs', import.meta.url), [variant], { execArgv: ['--trace-gc'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
let trace = '';
child.stdout.setEncoding('utf8').on('data', (chunk) => (trace += chunk));
const port = await new Promise((resolve) => child.on('message', (m) => m.type === 'listening' && resolve(m.port)));
const url = `http://127.0.0.1:${port}/checkout`;
const served = (seconds) =>
  Number(/(\d+) requests in/.exec(execFileSync('wrk', ['-t1', '-c50', `-d${seconds}s`, '-H', 'x-account-id: acct-42', url]).toString())[1]);
const requests = served(3) + served(4);
// The trace goes to a pipe, which the child's stdio buffers: read it once the child has exited.
child.kill();
await new Promise((resolve) => child.on('exit', resolve));
const lines = trace.split('\n');
const of = (kind) => lines.filter((line) => line.includes(kind));
const pauseMs = (found) => found.reduce((sum, line) => sum + Number(/, ([\d.]+) \/ [\d.]+ ms/.exec(line)?.[1] ?? 0), 0);
const scavenges = of('Scavenge');
const compacts = of('Mark-Compact');
const per1k = (x) => ((x * 1000) / requests).toFixed(2);
console.log(`${variant}: ${requests} requests; scavenges/1k ${per1k(scavenges.length)}, scavenge ms/1k ${per1k(pauseMs(scavenges))}; mark-compacts ${compacts.length} (${pauseMs(compacts).toFixed(1)} ms)`);
