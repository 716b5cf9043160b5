import { InvalidSettingsError } from '../errors/index.js';

/** The strong ETag of a versioned admin resource: `"<version>"`. */
export const versionEtag = (version: number): string => `"${version}"`;

/** Parses `If-Match: "<version>"`; `*` or absent means no precondition. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*"(\d{1,15})"\s*$/.exec(header);
  if (match === null) throw new InvalidSettingsError('If-Match', 'must be an ETag such as "3"');
  return Number(match[1]);
}
