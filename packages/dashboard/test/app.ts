import { PermanentDeliveryError, createBallast, type Ballast } from '@ballast/core';
import { createTestDatabase, type AdapterHarness, type RunningApp } from '@ballast/testkit';

export const WRITE_SECRET = 'dashboard-write-secret-0123';
export const READ_SECRET = 'dashboard-read-secret-01234';
export const PREFIX = '/_ballast';
/** A name that would run script if the page ever rendered names as HTML. */
export const XSS_NAME = '<img src=x onerror=alert(1)>';
/** How long each request to the loaded route holds its slot. */
const WORK_MS = 150;

/** A Redis broker is configured (and its section shown) when REDIS_URL names a server. */
export const REDIS_URL = process.env.REDIS_URL;

/** Fleet mode (and its section) when DATABASE_URL names a PostgreSQL server. */
export const FLEET = process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '';

export interface DashboardApp {
  ballast: Ballast;
  /** The id of a message that went dead on `billing` at start; `billing` accepts it once retried. */
  deadId: string;
  app: RunningApp;
  /** The dashboard's URL, e.g. `http://127.0.0.1:1234/_ballast/`. */
  dashboard: string;
  close(): Promise<void>;
}

/**
 * A real app on port 0 with a limit to load, a dependency and an assert named
 * like an XSS payload, an outbox destination holding one dead message (real
 * PostgreSQL when DATABASE_URL is set, PGlite otherwise), a flag, a Redis broker
 * when REDIS_URL is set, fleet mode when DATABASE_URL is set, and the admin API.
 */
export async function startDashboardApp(harness: AdapterHarness): Promise<DashboardApp> {
  const db = await createTestDatabase();
  let refuse = true;
  const ballast = createBallast({
    limits: { search: { maxConcurrent: 2, maxQueue: 2, queueTimeoutMs: 2000 } },
    dependencies: { [XSS_NAME]: { timeoutMs: 200 } },
    asserts: { [XSS_NAME]: 'p99(latency) < 5000ms' },
    outbox: {
      database: db.database,
      destinations: {
        billing: {
          deliver: async () => {
            if (refuse) throw new PermanentDeliveryError('billing refused the message (422)');
          },
        },
      },
      worker: { pollIntervalMs: 50 },
    },
    flags: { newCheckout: { stage: 'internal', percent: 100 } },
    // On a PostgreSQL server (DATABASE_URL), fleet mode: settings through the shared store, instances heartbeating.
    ...(db.backend === 'postgres' ? { fleet: { database: db.url, heartbeatIntervalMs: 200, instanceId: 'dashboard-test-1' } } : {}),
    ...(REDIS_URL === undefined ? {} : { brokers: { redis: { type: 'redis-streams', url: REDIS_URL } } }),
    admin: { tokens: { ops: { secret: WRITE_SECRET, role: 'write' }, viewer: { secret: READ_SECRET, role: 'read' } } },
  });
  await ballast.start();
  const { id } = await ballast.outbox.enqueue('billing', { invoice: 1 });
  while ((await ballast.outbox.dead('billing')).length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  refuse = false;
  const app = await harness.start(ballast, {
    adminPrefix: PREFIX,
    observe: true,
    routes: [
      {
        method: 'get',
        path: '/search',
        limits: ['search'],
        handler: async () => {
          await new Promise((resolve) => setTimeout(resolve, WORK_MS));
          return { body: { results: [] } };
        },
      },
    ],
  });
  return {
    ballast,
    deadId: id,
    app,
    dashboard: `${app.url}${PREFIX}/`,
    close: async () => {
      await app.close();
      await ballast.stop();
      await db.drop();
    },
  };
}

/** Keeps `concurrency` requests on `/search` in flight until stopped (some are admitted, some queued, some shed). */
export function startLoad(url: string, concurrency = 6): { stop(): Promise<void> } {
  let running = true;
  const worker = async (): Promise<void> => {
    while (running) {
      try {
        const response = await fetch(`${url}/search`);
        await response.arrayBuffer();
        // A shed request answers at once: pause so the load stays gentle on a shared machine.
        if (response.status === 503) await new Promise((resolve) => setTimeout(resolve, 50));
      } catch {
        // The server closing under the load is fine.
      }
    }
  };
  const workers = Array.from({ length: concurrency }, () => worker());
  return {
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}
