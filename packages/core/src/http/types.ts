/**
 * The plain-data seam between the framework-free core and the adapters.
 * Adapters translate framework requests into these shapes and write replies back.
 */

/** A framework-free answer: status, headers and an optional body already serialised. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  /** The serialised body; `undefined` for none. */
  body?: string;
}

/** Builds a JSON reply. */
export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(value),
  };
}

/** The request body as the adapter found it. */
export type RequestBody =
  /**
   * A body parser already ran: the stream is consumed and this is its result.
   * `rawBytes`: the size of the body as received, when the parser recorded it (Koa's `rawBody`).
   */
  | { kind: 'parsed'; value: unknown; rawBytes?: number }
  /** Nothing read yet: call `read` to get at most `limitBytes` bytes; it rejects with `BodyTooLargeError` beyond. */
  | { kind: 'stream'; read(limitBytes: number): Promise<Buffer> };

/** What an adapter tells the admin API about one request. */
export interface AdminRequest {
  method: string;
  /** Path relative to where the admin API is mounted, starting with `/`, without the query string. */
  path: string;
  /**
   * The path as the client sent it, mount prefix included, without the query string.
   * Optional: lets the dashboard redirect `/_ballast` to `/_ballast/` so its relative asset URLs resolve.
   */
  originalPath?: string;
  /** The raw query string without `?` (may be empty). */
  query: string;
  /** Case-insensitive header lookup. */
  header(name: string): string | undefined;
  body: RequestBody;
}
