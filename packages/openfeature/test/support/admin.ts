import type { Ballast } from '@ballast/core';

export const SECRET = 'openfeature-test-secret-0123456789';

/** One admin API call with the write token, straight through `ballast.admin.handle`. */
export function admin(ballast: Ballast, method: string, path: string, body?: unknown): Promise<{ status: number }> {
  const headers: Record<string, string> = { authorization: `Bearer ${SECRET}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
  return ballast.admin.handle({ method, path, query: '', header: (name) => headers[name.toLowerCase()], body: { kind: 'parsed', value: body } });
}
