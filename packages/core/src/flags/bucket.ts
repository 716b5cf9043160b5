import murmurhash3js from 'murmurhash3js';

const hash32 = murmurhash3js.x86.hash32;

/**
 * The sticky bucket (1..100) of `key` for `flag`: murmur3 x86 32-bit of
 * `"<flag>:<key>"` with seed 0, `% 100 + 1`. It is the value unleash-client
 * computes for a flexible rollout with `groupId` = the flag's name (through the same
 * murmurhash3js package), so a key lands in the same bucket in both.
 *
 * @example
 * flagBucket('newCheckout', 'acct-42'); // the same number on every instance, every time
 */
export function flagBucket(flag: string, key: string): number {
  return (hash32(`${flag}:${key}`, 0) % 100) + 1;
}

/** A bucket for an evaluation without a key: a fresh one each time. */
export const randomBucket = (): number => ((Math.random() * 100) | 0) + 1;
