import { InvalidPayloadError } from './errors.js';
import type { EnqueueOptions } from './types.js';

/** Header-safe: keys travel as `Ballast-Key` and `Idempotency-Key` HTTP headers. */
const HEADER_SAFE = /^[\x20-\x7e]+$/;
const MAX_KEY_CHARS = 512;
const MAX_IDEMPOTENCY_KEY_CHARS = 255;
const MAX_DELAY_MS = 30 * 24 * 60 * 60 * 1000;
/** A JSON `\u0000` escape that is not itself an escaped backslash: jsonb cannot store NUL. */
const NUL_ESCAPE = /(?:^|[^\\])(?:\\\\)*\\u0000/;

/** Serialises a payload for storage, or throws `InvalidPayloadError` saying why not. */
export function serialisePayload(payload: unknown, maxBytes: number): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (error) {
    throw new InvalidPayloadError('payload', `is not JSON-serialisable: ${(error as Error).message}`, { cause: error });
  }
  if (json === undefined) throw new InvalidPayloadError('payload', `is not JSON-serialisable (got ${typeof payload})`);
  if (NUL_ESCAPE.test(json)) throw new InvalidPayloadError('payload', 'contains a NUL character (\\u0000), which PostgreSQL jsonb cannot store');
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
