import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

/**
 * A broker process this test owns (never the machine's): started on a free
 * port with its data under `dir`, killed with real signals, restarted on the
 * same data directory.
 */
export interface BrokerProcess {
  readonly name: string;
  readonly port: number;
  /** The URL a Ballast broker option takes. */
  readonly url: string;
  /** Sends `signal` to the broker's whole process group and waits for it to exit. */
  kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts it again on the same port and data directory; resolves once it accepts connections. */
  restart(): Promise<void>;
  /** `SIGSTOP`: the broker keeps its connections open but answers nothing until `SIGCONT`. */
  pause(signal: 'SIGSTOP' | 'SIGCONT'): void;
}

export const binaries = { redis: 'redis-server', nats: 'nats-server', rabbit: '/usr/lib/rabbitmq/bin/rabbitmq-server' } as const;

/** Which broker binaries are missing on this machine (`.ci/run` installs them). */
export function missingBinaries(): string[] {
  const onPath = (bin: string): boolean =>
    bin.startsWith('/') ? existsSync(bin) : (process.env.PATH ?? '').split(':').some((dir) => existsSync(join(dir, bin)));
  return Object.values(binaries).filter((bin) => !onPath(bin));
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, child: ChildProcess, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited while starting (${child.exitCode ?? child.signalCode})`);
    if (Date.now() > deadline) throw new Error(`${name} did not accept connections on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function managed(name: string, port: number, url: string, launch: () => ChildProcess, bootTimeoutMs: number): BrokerProcess & { start(): Promise<void> } {
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = launch();
    await waitForPort(port, child, name, bootTimeoutMs);
  };
  return {
    name,
    port,
    url,
    start,
    restart: start,
    pause(signal) {
      if (child !== undefined) process.kill(-(child.pid as number), signal);
    },
    async kill(signal) {
      const c = child;
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
      const exited = once(c, 'exit');
      process.kill(-(c.pid as number), 'SIGCONT');
      // The group: RabbitMQ's script runs the Erlang VM (and its helpers) as children.
      process.kill(-(c.pid as number), signal);
      await exited;
      while (await accepts(port)) await new Promise((r) => setTimeout(r, 50));
    },
  };
}

const detached = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string): ChildProcess =>
  spawn(command, args, { detached: true, stdio: 'ignore', env, ...(cwd === undefined ? {} : { cwd }) });

/** redis-server with AOF: what it confirmed survives a SIGKILL. */
export async function startRedis(dir: string): Promise<BrokerProcess> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  const broker = managed('redis', port, `redis://127.0.0.1:${port}`, () =>
    detached(binaries.redis, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir]),
  20_000);
  await broker.start();
  return broker;
}

/** nats-server with JetStream file storage under `dir`. */
export async function startNats(dir: string): Promise<BrokerProcess> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  const broker = managed('nats', port, `nats://127.0.0.1:${port}`, () => detached(binaries.nats, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir]), 20_000);
  await broker.start();
  return broker;
}

/** A RabbitMQ node of its own (own name, ports and data), run as the current user. Boots in about 5 to 20 s. */
export async function startRabbit(dir: string): Promise<BrokerProcess> {
  const [port, distPort] = [await freePort(), await freePort()];
  mkdirSync(join(dir, 'mnesia'), { recursive: true });
  mkdirSync(join(dir, 'log'), { recursive: true });
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  const env = {
    ...process.env,
    RABBITMQ_NODENAME: `ballast-${port}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
  };
  const broker = managed('rabbit', port, `amqp://guest:guest@127.0.0.1:${port}`, () => detached(binaries.rabbit, [], env, dir), 90_000);
  await broker.start();
  return broker;
}
