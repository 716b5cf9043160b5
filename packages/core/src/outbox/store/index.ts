import type { PGlite } from '@electric-sql/pglite';
import type { Pool } from 'pg';
import type { Logger } from '../../util/logger.js';
import { pgDatabase } from './pg.js';
import { pgliteDatabase } from './pglite.js';
import type { Database, DatabaseOption } from './types.js';

export { isUnreachable } from './unreachable.js';
export { asSqlClient, type Database, type DatabaseOption, type SqlClient, type ListenHandlers } from './types.js';

// Duck-typed, not instanceof: the user's pg or PGlite may be another copy of the package.
const isPool = (v: object): v is Pool => typeof (v as Pool).connect === 'function' && 'totalCount' in v;

/** Opens the store behind `outbox.database`: a connection string, a `pg.Pool`, a PGlite instance, or embedded PGlite under `dataDir`. */
export async function openDatabase(
  option: DatabaseOption | undefined,
  dataDir: string,
  logger: Logger,
  pgOptions: { preparedStatements: boolean } = { preparedStatements: true },
): Promise<Database> {
  if (option === undefined) return pgliteDatabase(undefined, dataDir);
  if (typeof option === 'string') return pgDatabase(option, logger, pgOptions);
  if (isPool(option)) return pgDatabase(option, logger, pgOptions);
  return pgliteDatabase(option as PGlite, dataDir);
}
