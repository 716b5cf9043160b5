import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('../fixtures/worker.mjs', import.meta.url));
const builtCore = fileURLToPath(new URL('../../../packages/core/dist/index.js', import.meta.url));

/** Settings a worker process runs with (see fixtures/worker.mjs). */
export interface WorkerFixture {
  name: string;
  database: string;
  receiverUrl: string;
  destination: string;
  worker: Record<string, unknown>;
}

/** A running worker process. */
export interface WorkerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** SIGKILL: no shutdown code runs, whatever it held stays leased in the database. */
  kill(): Promise<void>;
  /** Asks for a graceful `ballast.stop()` and waits for the exit. */
  stop(): Promise<void>;
}

/** The child processes load the built package; say so plainly when it is missing or stale. */
export function assertCoreBuilt(): void {
  const hint = 'run `pnpm build` (CI builds before testing): the worker processes load packages/core/dist';
  if (!existsSync(builtCore)) throw new Error(`packages/core/dist is missing: ${hint}`);
  if (!readFileSync(builtCore, 'utf8').includes('httpDestination')) throw new Error(`packages/core/dist has no outbox: ${hint}`);
}

/** Starts a worker process and resolves once its Ballast has started. */
export async function startWorker(settings: WorkerFixture): Promise<WorkerProcess> {
  const child = fork(fixture, [], {
    env: { ...process.env, BALLAST_FIXTURE: JSON.stringify(settings) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    child.on('message', (m: { type?: string }) => m.type === 'ready' && resolve());
    void exited.then(([code, signal]) => reject(new Error(`worker ${settings.name} exited before ready (${code ?? signal})`)));
  });
  return {
    name: settings.name,
    child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: 'stop' });
      await exited;
    },
  };
}
