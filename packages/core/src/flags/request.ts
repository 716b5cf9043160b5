import type { IncomingMessage } from 'node:http';
import type { FlagRequest } from './options.js';

/** The framework-free view of a Node request that `rollout.cohort` receives. */
export function flagRequest(req: IncomingMessage): FlagRequest {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return {
    method: req.method ?? 'GET',
    path: query < 0 ? url : url.slice(0, query),
    headers: req.headers,
    header: (name) => {
      const value = req.headers[name.toLowerCase()];
      return Array.isArray(value) ? value[0] : value;
    },
  };
}
