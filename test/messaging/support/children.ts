import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const builtCore = fileURLToPath(new URL('../../../packages/core/dist/index.js', import.meta.url));

/** The child processes load the built package; say so plainly when it is missing or stale. */
export function assertCoreBuilt(): void {
  const hint = 'run `pnpm build` (CI builds before testing): the child processes load packages/core/dist';
  if (!existsSync(builtCore) || !readFileSync(builtCore, 'utf8').includes('publishDestination')) throw new Error(`packages/core/dist has no messaging: ${hint}`);
}

/** A fixture process (fixtures/*.mjs) that talks over IPC. */
export interface Child {
  readonly child: ChildProcess;
  /** Sends `{ type }` and resolves with the first message of type `reply`. */
  ask<T>(type: string, reply: string): Promise<T>;
  kill(): Promise<void>;
}

export async function startChild(fixture: 'publisher' | 'subscriber', settings: Record<string, unknown>): Promise<Child> {
  const child = fork(fileURLToPath(new URL(`../fixtures/${fixture}.mjs`, import.meta.url)), [], {
    env: { ...process.env, BALLAST_FIXTURE: JSON.stringify(settings) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const next = <T>(type: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: { type?: string } & Record<string, unknown>): void => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        resolve(m as T);
      };
      child.on('message', onMessage);
      void exited.then(([code, signal]) => reject(new Error(`${fixture} exited before "${type}" (${code ?? signal})`)));
    });
  await next('ready');
  return {
    child,
    ask: <T>(type: string, reply: string) => {
      const answer = next<T>(reply);
      child.send({ type });
      return answer;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
