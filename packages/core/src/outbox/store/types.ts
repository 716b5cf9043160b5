
/** Runs one statement; rows come back as plain objects. */
export interface SqlClient {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
}

export interface TransactionOptions {
  /** A setting for this transaction only, as `SET LOCAL` takes it: `name = value`. A constant, never user input. */
  setLocal?: string;
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
  /**
   * Runs `fn` in one transaction (BEGIN … COMMIT, ROLLBACK when it throws). `setLocal` (e.g. `jit = off`) is
   * set for the transaction alone, sent with the BEGIN: no round trip of its own.
   */
  transaction<T>(fn: (client: SqlClient) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** LISTENs on `channel` on a dedicated connection that reconnects and re-LISTENs after failures. */
  listen(channel: string, handlers: ListenHandlers): Promise<() => Promise<void>>;
  /** Ends what Ballast opened; a pool or PGlite the user passed in stays open. */
  close(): Promise<void>;
}

/**
 * The parts of a `pg.Pool` Ballast uses, spelled out so that the published types
 * need neither `pg` nor `@types/pg` installed: a `new pg.Pool(...)` fits.
 */
export interface PgPool {
  connect(): Promise<unknown>;
  query(text: string, values?: unknown[]): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  end(): Promise<void>;
  readonly totalCount: number;
}

/** The parts of a PGlite instance Ballast uses (structural, for the same reason as `PgPool`). */
export interface PGliteInstance {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  transaction(fn: (tx: never) => Promise<unknown>): Promise<unknown>;
  listen(channel: string, callback: (payload: string) => void): Promise<unknown>;
  close(): Promise<void>;
  readonly closed: boolean;
}

/** What `outbox.database` accepts: a connection string, a `pg.Pool` or a PGlite instance. */
export type DatabaseOption = string | PgPool | PGliteInstance;

/** Adapts a caller's client (`pg` client, PGlite transaction) to `SqlClient`. */
export function asSqlClient(client: { query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }> }): SqlClient {
  return {
    query: async <R>(text: string, params: readonly unknown[] = []) => (await client.query(text, [...params])).rows as R[],
  };
}
