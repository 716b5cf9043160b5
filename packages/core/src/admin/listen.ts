import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nodeRequestBody } from '../http/body.js';
import type { AdminRequest, Reply } from '../http/types.js';
import type { AdminApi } from './api.js';

export interface AdminListenOptions {
  /** Port to listen on; `0` picks a free one. Default `0`. */
  port?: number;
  /** Interface to bind. Default `127.0.0.1` (loopback only). */
  host?: string;
}

export interface AdminServer {
  /** The port actually bound. */
  port: number;
  host: string;
  close(): Promise<void>;
}

/** Translates a node request into the admin seam. `path` is relative to the mount point. */
export function nodeAdminRequest(req: IncomingMessage, path: string, parsedBody?: unknown, rawBody?: unknown): AdminRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  // Express strips its mount path from `url` and keeps the full one in `originalUrl`.
  const original = (req as { originalUrl?: string }).originalUrl ?? url;
  const originalQuery = original.indexOf('?');
  return {
    method: req.method ?? 'GET',
    path,
    originalPath: originalQuery === -1 ? original : original.slice(0, originalQuery),
    query: q === -1 ? '' : url.slice(q + 1),
    header: (name) => {
      const value = req.headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    body: nodeRequestBody(req, parsedBody, rawBody),
  };
}

/** Writes a reply on a node response (the standalone listener and the Express adapter). */
export function writeNodeReply(res: ServerResponse, reply: Reply): void {
  res.statusCode = reply.status;
  for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
  res.end(reply.body);
}

/** Serves the admin API on its own listener, loopback by default. */
export async function listenAdmin(api: AdminApi, options: AdminListenOptions = {}): Promise<AdminServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    api.handle(nodeAdminRequest(req, q === -1 ? url : url.slice(0, q))).then(
      (reply) => writeNodeReply(res, reply),
      () => writeNodeReply(res, { status: 500, headers: {}, body: '' }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    host,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
