/**
 * A suite that needs a server named by environment variables: whether to skip it
 * here, and its title, which says why when it is skipped (and only then).
 *
 * @example
 * const pg = needsEnv(['DATABASE_URL'], 'LISTEN/NOTIFY crosses processes only on a PostgreSQL server');
 * describe.skipIf(pg.skip)(pg.title('outbox wake-up hints'), () => { ... });
 */
export function needsEnv(names: string[], why: string): { skip: boolean; title(title: string): string } {
  const missing = names.filter((name) => !process.env[name]);
  const skip = missing.length > 0;
  return {
    skip,
    title: (title) => (skip ? `${title} (skipped: needs ${missing.join(' and ')}: ${why}; .ci/run sets it)` : title),
  };
}
