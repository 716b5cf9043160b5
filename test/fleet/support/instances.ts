import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/instance.mjs', import.meta.url));
export const SECRET = 'fleet-instance-secret-0123456789';

/** The children run the built core; fail with the fix rather than with an import error. */
export function assertCoreBuilt(): void {
  const dist = `${root}packages/core/dist/index.js`;
  if (!existsSync(dist) || !readFileSync(dist, 'utf8').includes('fleetFor')) {
    throw new Error('test/fleet runs the built @ballast/core: run `pnpm build` (or `npx tsup` in packages/core) first');
  }
}

export interface InstanceSettings {
  database: string;
  redis?: string;
  redisKeyPrefix?: string;
  sharedRate?: { ratePerSecond: number; burst: number; onStoreDown: 'open' | 'closed' };
  /** This instance's ring, version and id in `GET /fleet/instances`, and its heartbeat interval. */
  stage?: string;
  appVersion?: string;
  instanceId?: string;
  heartbeatIntervalMs?: number;
  /** The fleet store's connect and query timeout, in ms. Default 1000. */
  fleetTimeoutMs?: number;
  /** Monitoring asserts, which decide the health the instance reports. */
  asserts?: Record<string, string>;
  /** Feature flags (`newCheckout` serves `GET /checkout`), its slow path in ms, and the observe options. */
  flags?: Record<string, unknown>;
  slowMs?: number;
  observe?: { windowMs?: number; evaluateIntervalMs?: number };
}

export interface Instance {
  name: string;
  /** GET a traffic path; returns the status and, for 503, the shed reason. */
  hit(path: '/work' | '/shared'): Promise<{ status: number; reason?: string }>;
  /** GET /checkout as a request of `ring` with sticky `account`: whether `newCheckout` was on. */
  checkout(ring: string, account?: string): Promise<boolean>;
  /** An admin API call with the write token. */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
  /** SIGKILL: no goodbye to the database. */
  kill(): Promise<void>;
  /** Graceful stop over IPC. */
  stop(): Promise<void>;
}

/** Starts one instance process and resolves once it serves (stored overrides already applied). */
export async function startInstance(name: string, settings: InstanceSettings): Promise<Instance> {
  const child: ChildProcess = fork(fixture, [], {
    env: { ...process.env, BALLAST_FIXTURE: JSON.stringify({ ...settings, secret: SECRET }) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const { port, adminPort } = await new Promise<{ port: number; adminPort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 20 s`)), 20_000);
    child.on('message', (m: { type?: string; port?: number; adminPort?: number }) => {
      if (m.type !== 'ready') return;
      clearTimeout(timer);
      resolve({ port: m.port as number, adminPort: m.adminPort as number });
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
  });
  const end = async (how: () => void): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) how();
    await exited;
  };
  return {
    name,
    async hit(path) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      const text = await res.text();
      return res.status === 503 ? { status: 503, reason: (JSON.parse(text) as { reason: string }).reason } : { status: res.status };
    },
    async checkout(ring, account) {
      const res = await fetch(`http://127.0.0.1:${port}/checkout`, { headers: { 'x-ring': ring, ...(account === undefined ? {} : { 'x-account': account }) } });
      return ((await res.json()) as { fresh: boolean }).fresh;
    },
    async admin(method, path, body) {
      const res = await fetch(`http://127.0.0.1:${adminPort}${path}`, {
        method,
        headers: { authorization: `Bearer ${SECRET}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    kill: () => end(() => child.kill('SIGKILL')),
    stop: () =>
      end(() => {
        child.send({ type: 'stop' });
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** Polls an async check until it passes; rejects with what was awaited after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
