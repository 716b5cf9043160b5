import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The `version` of the nearest package.json at or above `from` (the app's, when it
 * runs from its own directory); `null` when there is none or it cannot be read.
 * Never throws: a missing version must not stop an instance from starting.
 */
export function findAppVersion(from: string = process.cwd()): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const version = readVersion(join(dir, 'package.json'));
    if (version !== undefined) return version;
    if (dirname(dir) === dir) return null;
  }
}

/** The version of one package.json; `undefined` when the file is absent, so the search goes on upward. */
function readVersion(file: string): string | null | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === 'string' && version.length > 0 ? version : null;
  } catch {
    return null;
  }
}
