import type { Pool } from 'pg';
import type { PGlite } from '@electric-sql/pglite';

/** Runs one statement; rows come back as plain objects. */
export interface SqlClient {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

/** Called by a LISTEN connection: `notify` on a NOTIFY, `reconnected` after it re-LISTENed (hints may have been lost). */
export interface ListenHandlers {
  notify(payload: string): void;
  reconnected(): void;
}

/**
 * The one store interface the outbox runs on: PostgreSQL through `pg`, or
 * embedded PGlite. The SQL is the same for both.
 */
export interface Database extends SqlClient {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction (BEGIN … COMMIT, ROLLBACK when it throws). */
  transaction<T>(fn: (client: SqlClient) => Promise<T>): Promise<T>;
  /** LISTENs on `channel` on a dedicated connection that reconnects and re-LISTENs after failures. */
  listen(channel: string, handlers: ListenHandlers): Promise<() => Promise<void>>;
  /** Ends what Ballast opened; a pool or PGlite the user passed in stays open. */
  close(): Promise<void>;
}

/** What `outbox.database` accepts. */
export type DatabaseOption = string | Pool | PGlite;

/** Adapts a caller's client (`pg` client, PGlite transaction) to `SqlClient`. */
export function asSqlClient(client: { query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }> }): SqlClient {
  return {
    query: async <R>(text: string, params: readonly unknown[] = []) => (await client.query(text, [...params])).rows as R[],
  };
}
