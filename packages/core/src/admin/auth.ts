import { createHash, timingSafeEqual } from 'node:crypto';

export type AdminRole = 'read' | 'write';

export interface AdminTokenConfig {
  /** The bearer secret; at least 16 characters. Never logged. */
  secret: string;
  /** `read` may only GET; `write` may also change settings. */
  role: AdminRole;
}

interface StoredToken {
  name: string;
  role: AdminRole;
  digest: Buffer;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Holds the admin tokens as SHA-256 digests and finds the one matching a
 * presented secret in constant time: every token is compared, equal-length
 * digests go through `timingSafeEqual`, so neither the secret's length nor
 * which token matched leaks through timing.
 */
export class TokenVerifier {
  readonly #tokens: StoredToken[];

  constructor(tokens: Record<string, AdminTokenConfig>) {
    this.#tokens = Object.entries(tokens).map(([name, t]) => ({ name, role: t.role, digest: digest(t.secret) }));
  }

  get size(): number {
    return this.#tokens.length;
  }

  /** Parses `Authorization: Bearer <secret>` (scheme case-insensitive) and returns the matching token. */
  verify(authorization: string | undefined): { name: string; role: AdminRole } | undefined {
    if (authorization === undefined) return undefined;
    const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (match === null) return undefined;
    const presented = digest(match[1] as string);
    let found: StoredToken | undefined;
    for (const token of this.#tokens) {
      if (timingSafeEqual(presented, token.digest) && found === undefined) found = token;
    }
    return found && { name: found.name, role: found.role };
  }
}
