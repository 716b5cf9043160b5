import { InvalidPayloadError } from './errors.js';
import { asSqlClient, type SqlClient } from './store/index.js';
import type { EnqueueOptions } from './types.js';

/** Header-safe: keys travel as `Ballast-Key` and `Idempotency-Key` HTTP headers. */
const HEADER_SAFE = /^[\x20-\x7e]+$/;
const MAX_KEY_CHARS = 512;
const MAX_IDEMPOTENCY_KEY_CHARS = 255;
const MAX_DELAY_MS = 30 * 24 * 60 * 60 * 1000;
/**
 * An escape PostgreSQL refuses, not itself preceded by an escaped backslash:
 * `\u0000` (jsonb cannot store NUL) or a surrogate escape. `JSON.stringify`
 * writes a well-formed surrogate pair as the characters themselves and only a
 * lone surrogate as a `\udXXX` escape, so any surrogate escape in its output
 * is a lone one, which jsonb rejects (22P02).
 */
const REFUSED_ESCAPE = /(?:^|[^\\])(?:\\\\)*\\u(0000|d[89a-f][0-9a-f]{2})/;

/** What in `json` (`JSON.stringify`'s output) PostgreSQL jsonb would refuse, described; `undefined` when nothing. */
export function jsonbRefusal(json: string): string | undefined {
  const refused = json.includes('\\u') ? REFUSED_ESCAPE.exec(json) : null;
  if (refused === null) return undefined;
  return refused[1] === '0000' ? 'a NUL character (\\u0000)' : `a lone UTF-16 surrogate (\\u${refused[1]})`;
}

/** Serialises a payload for storage, or throws `InvalidPayloadError` saying why not. */
export function serialisePayload(payload: unknown, maxBytes: number): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (error) {
    throw new InvalidPayloadError('payload', `is not JSON-serialisable: ${(error as Error).message}`, { cause: error });
  }
  if (json === undefined) throw new InvalidPayloadError('payload', `is not JSON-serialisable (got ${typeof payload})`);
  const refused = jsonbRefusal(json);
  if (refused !== undefined) throw new InvalidPayloadError('payload', `contains ${refused}, which PostgreSQL jsonb cannot store`);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > maxBytes) throw new InvalidPayloadError('payload', `is ${bytes} bytes of JSON; the limit is ${maxBytes} (maxPayloadBytes)`);
  return json;
}

function headerSafe(field: string, value: unknown, maxChars: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > maxChars || !HEADER_SAFE.test(value)) {
    throw new InvalidPayloadError(field, `must be a string of 1 to ${maxChars} printable ASCII characters`);
  }
  return value;
}

export interface CheckedOptions {
  key: string | undefined;
  idempotencyKey: string | undefined;
  delayMs: number;
}

/** Checks the message options of `enqueue` / `desync`. */
export function checkMessageOptions(options: Pick<EnqueueOptions, 'key' | 'idempotencyKey' | 'delayMs'>): CheckedOptions {
  const delayMs = options.delayMs ?? 0;
  if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > MAX_DELAY_MS) {
    throw new InvalidPayloadError('delayMs', `must be an integer between 0 and ${MAX_DELAY_MS}`);
  }
  return {
    key: headerSafe('key', options.key, MAX_KEY_CHARS),
    idempotencyKey: headerSafe('idempotencyKey', options.idempotencyKey, MAX_IDEMPOTENCY_KEY_CHARS),
    delayMs,
  };
}

/**
 * Checks `enqueue`'s `client` option: a `pg` client checked out inside the
 * caller's transaction (or a PGlite transaction). A pool is refused: each of
 * its queries may run on another connection, outside the transaction.
 */
export function checkCallerClient(client: unknown): SqlClient {
  const usage = 'must be a pg client inside your transaction (pg.Client, or pool.connect() after BEGIN) or a PGlite transaction';
  if (typeof client !== 'object' || client === null || typeof (client as { query?: unknown }).query !== 'function') {
    throw new InvalidPayloadError('client', `${usage}; got ${client === null ? 'null' : typeof client}`);
  }
  if ('totalCount' in client && typeof (client as { connect?: unknown }).connect === 'function') {
    throw new InvalidPayloadError('client', `${usage}; got a pg.Pool, whose queries may each run on another connection`);
  }
  return asSqlClient(client as Parameters<typeof asSqlClient>[0]);
}
