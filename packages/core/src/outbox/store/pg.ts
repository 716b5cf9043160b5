import { createHash } from 'node:crypto';
import type pg from 'pg';
import { PgListener } from '../../listen/index.js';
import type { PgModule } from '../../peers/index.js';
import type { Logger } from '../../util/logger.js';
import type { Database, SqlClient } from './types.js';

const RECONNECT = { minMs: 100, maxMs: 5000 };

/**
 * The outbox on a PostgreSQL server through `pg`. With a connection string
 * Ballast owns the pool and ends it on close; a pool passed in only gets an
 * `error` listener (so an idle client's error never crashes the process) and is
 * never ended.
 */
export function pgDatabase(pgModule: PgModule, source: string | pg.Pool, logger: Logger, options: { preparedStatements: boolean }): Database {
  const owned = typeof source === 'string';
  const pool = owned ? new pgModule.Pool({ connectionString: source, max: 10 }) : source;
  const onPoolError = (error: Error): void => logger.warn({ err: error }, 'ballast: idle outbox database connection failed');
  pool.on('error', onPoolError);
  const listeners = new Set<() => Promise<void>>();

  const run = async <R>(client: pg.Pool | pg.PoolClient, text: string, params: readonly unknown[] = []): Promise<R[]> =>
    (await client.query({ ...(options.preparedStatements ? { name: statementName(text) } : {}), text, values: params as unknown[] })).rows as R[];

  return {
    kind: 'postgres',
    query: (text, params) => run(pool, text, params),
    async transaction(fn, options) {
      const client = await pool.connect();
      const sql: SqlClient = { query: (text, params) => run(client, text, params) };
      let broken: Error | undefined;
      // A checked-out client has no pool listener: a server restart between statements must not crash the process.
      const onClientError = (error: Error): void => {
        broken = error;
      };
      client.on('error', onClientError);
      try {
        // One simple-protocol query for both: the claim's SET LOCAL cost a round trip of its own.
        await client.query(options?.setLocal === undefined ? 'BEGIN' : `BEGIN; SET LOCAL ${options.setLocal}`);
        const result = await fn(sql);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
        throw error;
      } finally {
        client.off('error', onClientError);
        // A client that failed is unusable: destroy it instead of returning it to the pool.
        client.release(broken);
      }
    },
    async listen(channel, handlers) {
      // The shared LISTEN-with-reconnect; every connect after the first means hints may have been lost.
      let connects = 0;
      const listener = new PgListener(() => pool.connect(), channel, RECONNECT, {
        onConnect: async () => {
          if (connects++ > 0) handlers.reconnected();
        },
        onNotify: (payload) => handlers.notify(payload),
        onDisconnect: () => {},
      }, logger);
      await listener.start();
      const stop = (): Promise<void> => listener.stop();
      listeners.add(stop);
      return async () => {
        listeners.delete(stop);
        await stop();
      };
    },
    async close() {
      await Promise.all([...listeners].map((stop) => stop()));
      listeners.clear();
      // Our pool keeps its listener: pool.end() resolves before the sockets close, and a
      // server-side termination arriving then is emitted on the pool.
      if (owned) await pool.end();
      else pool.off('error', onPoolError);
    },
  };
}

const statementNames = new Map<string, string>();

/**
 * Every statement Ballast runs is prepared once per connection and reused:
 * PostgreSQL then skips parsing and planning it on every enqueue, claim and
 * ack. The outbox's SQL comes in a handful of fixed texts (values always go
 * in parameters), so the set of names stays small.
 */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `ballast_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    statementNames.set(text, name);
  }
  return name;
}
