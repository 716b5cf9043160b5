import type { Ballast } from '@ballast/core';

export const SECRET = 'fleet-test-secret-0123456789';
const auth = { authorization: `Bearer ${SECRET}` };

/** One admin API call with the write token, straight through `ballast.admin.handle`; the JSON body parsed. */
export async function call(ballast: Ballast, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const all: Record<string, string> = { ...auth, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
  const [pathname = path, query = ''] = path.split('?');
  const reply = await ballast.admin.handle({
    method,
    path: pathname,
    query,
    header: (name) => all[name.toLowerCase()],
    body: { kind: 'parsed', value: body },
  });
  return { status: reply.status, headers: reply.headers, body: reply.body === undefined ? undefined : JSON.parse(reply.body) };
}
