import { MissingPeerError } from '../metrics/index.js';

/**
 * Imports a broker client, an optional peer of @ballast/core, only when a
 * broker of that type is configured; a missing one names the package to install.
 */
export async function importPeer<T>(specifier: string, brokerType: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new MissingPeerError(specifier, `a "${brokerType}" broker`, error);
  }
}
