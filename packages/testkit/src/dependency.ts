import { createServer, get, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { closeServer } from './server.js';

/** How the scripted dependency behaves from now on. */
export type DependencyBehaviour =
  /** Answers 200 with `{ path, hit }`. */
  | { kind: 'healthy' }
  /** Answers this status (a 500, a 404...) with `{ error }`. */
  | { kind: 'status'; status: number }
  /** Accepts the request and never answers (until the client gives up). */
  | { kind: 'hang' }
  /** Stops listening: connections are refused until another behaviour brings it back on the same port. */
  | { kind: 'down' };

/** A non-2xx answer, thrown by `getJson` with the status for `errorFilter`s to read. */
export class HttpStatusError extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`Dependency answered ${status}`);
    this.status = status;
  }
}

/**
 * A real HTTP dependency on 127.0.0.1, port 0, whose behaviour the test scripts:
 * healthy, failing with a status, hanging past any timeout, or refusing connections.
 *
 * @example
 * const dep = await startScriptedDependency();
 * await dep.behave({ kind: 'status', status: 500 });
 * const body = await dep.getJson('/profiles/1', signal);
 */
export interface ScriptedDependency {
  readonly url: string;
  /** Requests that reached the dependency (refused connections never do). */
  readonly hits: number;
  /** Requests whose client went away before an answer (e.g. aborted on timeout). */
  readonly aborted: number;
  behave(behaviour: DependencyBehaviour): Promise<void>;
  /** GETs `path` on a fresh connection; rejects with `HttpStatusError` for a non-2xx answer, or when `signal` fires. */
  getJson(path: string, signal?: AbortSignal): Promise<unknown>;
  close(): Promise<void>;
}

export async function startScriptedDependency(): Promise<ScriptedDependency> {
  let behaviour: DependencyBehaviour = { kind: 'healthy' };
  let hits = 0;
  let aborted = 0;
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    hits++;
    res.on('close', () => {
      hanging.delete(res);
      if (!res.writableFinished) aborted++;
    });
    const answer = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    switch (behaviour.kind) {
      case 'healthy':
        return answer(200, { path: req.url, hit: hits });
      case 'status':
        return answer(behaviour.status, { error: `scripted ${behaviour.status}` });
      case 'hang':
      case 'down':
        hanging.add(res);
        return;
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    get hits() {
      return hits;
    },
    get aborted() {
      return aborted;
    },
    async behave(next) {
      const wasDown = behaviour.kind === 'down';
      behaviour = next;
      if (next.kind === 'down' && !wasDown) await closeServer(server);
      if (next.kind !== 'down' && wasDown) {
        server.listen(port, '127.0.0.1');
        await once(server, 'listening');
      }
    },
    getJson: (path, signal) => getJson(new URL(path, url), signal),
    async close() {
      for (const res of hanging) res.destroy();
      if (server.listening) await closeServer(server);
    },
  };
}

function getJson(url: URL, signal: AbortSignal | undefined): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, ...(signal === undefined ? {} : { signal }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) return reject(new HttpStatusError(status));
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
      });
    });
    req.on('error', reject);
  });
}
