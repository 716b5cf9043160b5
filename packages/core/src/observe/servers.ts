import type { Server } from 'node:http';

/**
 * The servers whose connections `active_connections` counts. The adapter only
 * hands over each request's socket; a server is remembered the first time one
 * of its sockets shows up (a pointer comparison per request after that), and
 * counted with `getConnections` when asked, so connections cost nothing on the
 * request path.
 */
export class ServerWatch {
  readonly #servers = new Set<Server>();
  #last: unknown;

  get size(): number {
    return this.#servers.size;
  }

  see(socket: object): void {
    // Node sets `server` on every socket a server accepted; it is not in the typings.
    const server = (socket as { server?: unknown }).server;
    if (server === this.#last) return;
    this.#last = server;
    if (typeof server !== 'object' || server === null || this.#servers.has(server as Server)) return;
    const s = server as Server;
    if (typeof s.getConnections !== 'function') return;
    this.#servers.add(s);
    s.once('close', () => this.#servers.delete(s));
  }

  async connections(): Promise<number> {
    const counts = await Promise.all(
      [...this.#servers].map(
        (server) => new Promise<number>((resolve) => server.getConnections((error, n) => resolve(error ? 0 : n))),
      ),
    );
    return counts.reduce((a, b) => a + b, 0);
  }
}
