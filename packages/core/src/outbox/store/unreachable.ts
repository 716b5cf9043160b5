/** SQLSTATE classes that say the server could not serve us: connection (08), resources (53), operator intervention (57), system (58). */
const UNREACHABLE_CLASSES = new Set(['08', '53', '57', '58']);

/**
 * Whether an error means the database could not be reached or could not serve
 * the call (a restart, a lost connection). An error with another SQLSTATE
 * (invalid data, a constraint, a bug in a statement) is not an outage and is
 * never reported or retried as one.
 */
export function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return UNREACHABLE_CLASSES.has(code.slice(0, 2));
  return true; // socket errors (ECONNREFUSED, ...), "Connection terminated", timeouts
}
