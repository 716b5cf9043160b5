import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The PostgreSQL cluster these tests stop and start: `BALLAST_FAULTS_PG_CLUSTER`
 * ("<version> <name>", e.g. "15 faults" for a private cluster on another port,
 * with DATABASE_URL pointing at it), else the machine's first version's `main`
 * cluster (CI runs the faults project last, alone, against it).
 */
const cluster = process.env.BALLAST_FAULTS_PG_CLUSTER ?? '"$(ls /etc/postgresql | head -1)" main';
// --mode fast: every session is cut at once (the default, smart, would wait for the worker to disconnect).
const ctl = (action: 'start' | 'stop' | 'restart'): Promise<unknown> =>
  run('sh', ['-c', `pg_ctlcluster --skip-systemctl-redirect --mode fast ${cluster} ${action}`]);

export const restartPostgres = (): Promise<unknown> => ctl('restart');
export const stopPostgres = (): Promise<unknown> => ctl('stop');
export const startPostgres = (): Promise<unknown> => ctl('start');

const requireFromCore = createRequire(new URL('../../../packages/core/package.json', import.meta.url));
interface PgClient {
  connect(): Promise<void>;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'error', listener: () => void): void;
}
const pg = requireFromCore('pg') as { Client: new (c: { connectionString: string }) => PgClient };

async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL! });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export async function waitForPostgres(timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await postgresAnswers()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** Whatever a test did, leave a running server for everything after it. */
export async function ensurePostgresRunning(): Promise<void> {
  if (await waitForPostgres(30_000)) return;
  await startPostgres().catch(() => {});
  if (!(await waitForPostgres(60_000))) throw new Error('PostgreSQL did not come back after a faults test');
}
