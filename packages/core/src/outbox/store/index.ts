import type { PGlite } from '@electric-sql/pglite';
import type { Pool } from 'pg';
import { loadPg, loadPglite } from '../../peers/index.js';
import type { Logger } from '../../util/logger.js';
import { pgDatabase } from './pg.js';
import { pgliteDatabase } from './pglite.js';
import type { Database, DatabaseOption } from './types.js';

export { isUnreachable } from './unreachable.js';
export { asSqlClient, type Database, type DatabaseOption, type PgPool, type PGliteInstance, type SqlClient, type ListenHandlers } from './types.js';

// Duck-typed, not instanceof: the user's pg or PGlite may be another copy of the package.
const isPool = (v: object): v is Pool => typeof (v as Pool).connect === 'function' && 'totalCount' in v;

/** Opens the store behind `outbox.database`: a connection string, a `pg.Pool`, a PGlite instance, or embedded PGlite under `dataDir`. */
export async function openDatabase(
  option: DatabaseOption | undefined,
  dataDir: string,
  logger: Logger,
  pgOptions: { preparedStatements: boolean } = { preparedStatements: true },
): Promise<Database> {
  if (option === undefined) return pgliteDatabase(await loadPglite('The embedded outbox (outbox without database)'), undefined, dataDir);
  if (typeof option === 'string' || isPool(option)) {
    const pg = await loadPg('outbox.database (PostgreSQL)');
    return pgDatabase(pg, typeof option === 'string' ? option : (option as unknown as Pool), logger, pgOptions);
  }
  return pgliteDatabase(undefined, option as unknown as PGlite, dataDir);
}
