import { mkdirSync } from 'node:fs';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { Database, SqlClient } from './types.js';

const adapt = (db: PGlite | Transaction): SqlClient => ({
  query: async <R>(text: string, params: readonly unknown[] = []) => (await db.query<R>(text, [...params])).rows,
});

/**
 * The outbox on embedded PGlite (PostgreSQL in WebAssembly, one connection,
 * in this process). Without an instance from the user it opens one persisted
 * under `dataDir` and closes it on close.
 */
export async function pgliteDatabase(source: PGlite | undefined, dataDir: string): Promise<Database> {
  let db: PGlite;
  if (source === undefined) {
    mkdirSync(dataDir, { recursive: true });
    // Loaded on demand: the WebAssembly module is large and PostgreSQL users never need it.
    const { PGlite: Embedded } = await import('@electric-sql/pglite');
    db = await Embedded.create(dataDir);
  } else {
    db = source;
  }
  const owned = source === undefined;
  const sql = adapt(db);
  return {
    kind: 'pglite',
    query: (text, params) => sql.query(text, params),
    transaction: (fn) => db.transaction((tx) => fn(adapt(tx))),
    async listen(channel, handlers) {
      const unsubscribe = await db.listen(channel, (payload) => handlers.notify(payload));
      return () => unsubscribe();
    },
    async close() {
      if (owned && !db.closed) await db.close();
    },
  };
}
