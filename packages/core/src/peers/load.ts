import { BallastError, hasCode } from '../errors/index.js';

/**
 * A feature in use needs an optional peer dependency that is not installed
 * (`pg` for a PostgreSQL outbox or fleet, `@electric-sql/pglite` for the embedded
 * outbox, `bottleneck` for a paced destination, `prom-client` for `/metrics`, ...).
 * `packageName` is what to install.
 */
export class MissingPeerError extends BallastError {
  static readonly code = 'BALLAST_MISSING_PEER';
  /** The npm package to install next to `@ballast/core`. */
  readonly packageName: string;
  /** The option or route that needs it. */
  readonly feature: string;

  constructor(packageName: string, feature: string, cause: unknown) {
    super(MissingPeerError.code, `${feature} needs the package "${packageName}", an optional peer dependency of @ballast/core: run npm install ${packageName}`, { cause });
    this.packageName = packageName;
    this.feature = feature;
  }
}
export const isMissingPeerError = (e: unknown): e is MissingPeerError => hasCode(e, MissingPeerError.code);

const notFound = (error: unknown, packageName: string): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  const message = String((error as { message?: unknown } | null)?.message ?? '');
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(packageName);
};

/**
 * Imports an optional peer on first use. A package that is not installed becomes
 * `MissingPeerError` naming it; any other failure (a broken install) propagates.
 * Exports may sit under `default` after CommonJS interop.
 */
export async function loadPeer<T>(
  packageName: string,
  feature: string,
  importer: () => Promise<unknown>,
  has: (m: Record<string, unknown>) => boolean,
): Promise<T> {
  let mod: Record<string, unknown>;
  try {
    mod = (await importer()) as Record<string, unknown>;
  } catch (error) {
    if (notFound(error, packageName)) throw new MissingPeerError(packageName, feature, error);
    throw error;
  }
  const candidate = has(mod) ? mod : (mod.default as Record<string, unknown> | undefined);
  if (candidate === undefined || !has(candidate)) throw new MissingPeerError(packageName, feature, new Error('unexpected module shape'));
  return candidate as T;
}
