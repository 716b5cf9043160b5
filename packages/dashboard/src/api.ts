import { session } from './session.js';

/** An admin API answer: the status and the parsed JSON body (null when there is none). */
export interface ApiResult<T = unknown> {
  status: number;
  body: T;
}

/** An error body of the admin API, e.g. `{"error":"invalid","field":"maxConcurrent","message":"..."}`. */
export interface ApiError {
  error?: string;
  field?: string;
  message?: string;
}

/**
 * Calls the admin API relative to the page (`./limits` under `/_ballast/`), with
 * the session's token as `Authorization: Bearer`. Relative URLs keep the page
 * working under any mount prefix.
 */
export async function call<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = session.token();
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const init: RequestInit = { method, headers, cache: 'no-store', credentials: 'omit' };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`./${path.replace(/^\//, '')}`, init);
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    parsed = { message: text };
  }
  return { status: response.status, body: parsed as T };
}

/** A one-line explanation of a failed call, for the operator. */
export function describeFailure(result: ApiResult): string {
  const body = (result.body ?? {}) as ApiError;
  const detail = body.message ?? body.error ?? '';
  const prefix = result.status === 403 ? 'Forbidden (403)' : `Error ${result.status}`;
  return detail === '' ? prefix : `${prefix}: ${detail}`;
}
