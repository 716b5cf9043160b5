import { mkdirSync } from 'node:fs';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { PgliteModule } from '../../peers/index.js';
import type { Database, SqlClient } from './types.js';

const adapt = (db: PGlite | Transaction): SqlClient => ({
  query: async <R>(text: string, params: readonly unknown[] = []) => (await db.query<R>(text, [...params])).rows,
});

/**
 * The outbox on embedded PGlite (PostgreSQL in WebAssembly, one connection,
 * in this process). Without an instance from the user it opens one (the module
 * is loaded by the caller, on demand: it is large and PostgreSQL users never need it) persisted
 * under `dataDir` and closes it on close.
 */
export async function pgliteDatabase(embedded: PgliteModule | undefined, source: PGlite | undefined, dataDir: string): Promise<Database> {
  let db: PGlite;
  if (source === undefined) {
    if (embedded === undefined) throw new Error('pgliteDatabase: the PGlite module is needed to open an embedded database');
    mkdirSync(dataDir, { recursive: true });
    db = await embedded.PGlite.create(dataDir);
  } else {
    db = source;
  }
  const owned = source === undefined;
  const sql = adapt(db);
  return {
    kind: 'pglite',
    query: (text, params) => sql.query(text, params),
    transaction: (fn, options) =>
      db.transaction(async (tx) => {
        if (options?.setLocal !== undefined) await tx.query(`SET LOCAL ${options.setLocal}`);
        return fn(adapt(tx));
      }),
    async listen(channel, handlers) {
      const unsubscribe = await db.listen(channel, (payload) => handlers.notify(payload));
      return () => unsubscribe();
    },
    async close() {
      if (owned && !db.closed) await db.close();
    },
  };
}
