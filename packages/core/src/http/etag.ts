import { InvalidSettingsError } from '../errors/index.js';

/** The strong ETag of a versioned admin resource: `"<version>"`. */
export const versionEtag = (version: number): string => `"${version}"`;

/** One entity-tag of an `If-Match` list (RFC 9110 §8.8.3): optional `W/`, then a quoted opaque string. */
const ENTITY_TAG = /^(W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/;

/**
 * Parses `If-Match` with strong comparison (RFC 9110 §13.1.1): absent or `*` means
 * no precondition (`undefined`); otherwise the versions whose ETag equals a member
 * of the list, character for character. `"0001"` is not `"1"`, and a weak tag never
 * matches, so such members add nothing and the request gets 412.
 *
 * @example
 * parseIfMatch('"3", "4"'); // [3, 4]
 * parseIfMatch('"0003"');   // [] → 412 whatever the version
 */
export function parseIfMatch(header: string | undefined): readonly number[] | undefined {
  if (header === undefined) return undefined;
  const members = header.split(',').map((m) => m.trim()).filter((m) => m.length > 0);
  if (members.length === 1 && members[0] === '*') return undefined;
  const versions: number[] = [];
  for (const member of members) {
    if (!ENTITY_TAG.test(member)) throw new InvalidSettingsError('If-Match', 'must be * or a list of ETags such as "3"');
    const version = Number(member.slice(1, -1));
    if (Number.isSafeInteger(version) && versionEtag(version) === member) versions.push(version);
  }
  if (members.length === 0) throw new InvalidSettingsError('If-Match', 'must be * or a list of ETags such as "3"');
  return versions;
}

/** Whether `current` meets an `If-Match` precondition: none, one version, or any of several. */
export function versionMatches(expected: number | readonly number[] | undefined, current: number): boolean {
  if (expected === undefined) return true;
  return typeof expected === 'number' ? expected === current : expected.includes(current);
}
