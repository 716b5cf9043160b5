/** Child process: serves one throughput variant on a free port; reports its port and CPU time over IPC. */
import { createServer } from 'node:http';
import { floors, probes, variants } from './lib/apps.mjs';

const name = process.argv[2];
const make = variants[name] ?? floors[name] ?? probes[name];
if (make === undefined) throw new Error(`unknown variant: ${name}`);

const server = createServer(make());
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.send({ type: 'listening', port: server.address().port });
});
process.on('message', (message) => {
  if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send({ type: 'cpu', micros: user + system });
  }
});
process.on('SIGTERM', () => process.exit(0));
