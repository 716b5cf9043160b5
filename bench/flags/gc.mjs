/** Young-generation GC per request of one bench/flags server variant under wrk (node --trace-gc): node bench/flags/gc.mjs <bare|observe|observe+flag> */
import { fork, execFileSync } from 'node:child_process';
const variant = process.argv[2];
let out = '';
const child = fork('./server.mjs', [variant], { execArgv: ['--trace-gc'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
child.stdout.on('data', (d) => (out += d));
const port = await new Promise((r) => child.on('message', (m) => m.type === 'listening' && r(m.port)));
const url = `http://127.0.0.1:${port}/checkout`;
const w0 = Number(/(\d+) requests in/.exec(execFileSync('wrk', ['-t1', '-c50', '-d3s', '-H', 'x-account-id: acct-42', url]).toString())[1]);
await new Promise((r)=>setTimeout(r,200));child.send({type:'cpu'});
const mark = '';
const res = execFileSync('wrk', ['-t1', '-c50', '-d4s', '-H', 'x-account-id: acct-42', url]).toString();
const n = w0 + Number(/(\d+) requests in/.exec(res)[1]);
child.kill(); await new Promise((r) => child.on('exit', r)); const all = out.split('\n'); const lines = all.filter((l)=>{const t=Number((/\s(\d+) ms: /.exec(l)??[0,0])[1]); return t>0;});
const sc = lines.filter((l) => l.includes('Scavenge'));
const mc = lines.filter((l) => l.includes('Mark-Compact'));
const ms = (ls) => ls.reduce((a, l) => a + Number((/, ([\d.]+) \/ [\d.]+ ms/.exec(l) ?? [0, 0])[1]), 0);
console.log(variant, 'requests', n, 'scavenges/1k req', (sc.length * 1000 / n).toFixed(2), 'scavenge ms/1k', (ms(sc) * 1000 / n).toFixed(2), 'mark-compacts', mc.length, 'mc ms', ms(mc).toFixed(1));
child.kill();
