import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';

/** A GET whose body is parsed as JSON; a fresh connection per call. */
export function getJson(base: string, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL(path, base), { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text.length > 0 ? (JSON.parse(text) as unknown) : undefined });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Starts a GET that the caller aborts (closing the connection) with `abort()`. */
export function abortedRequest(base: string, path: string): { abort(): void } {
  const req = http.get(new URL(path, base), { agent: false }, (res) => res.resume());
  req.on('error', () => {
    /* the abort itself */
  });
  return { abort: () => req.destroy() };
}

/**
 * Opens a raw connection and sends `count` GETs of `path` (POSTs of the JSON
 * `body` when given) back to back (HTTP/1.1 pipelining), without reading any answer. `leave()` closes the connection the way
 * a client that gives up does; Node then emits no event on the responses queued
 * behind the first, only `close` on their requests.
 */
export async function pipelined(
  base: string,
  path: string,
  count: number,
  body?: string,
): Promise<{ leave(): void; received(): string }> {
  const { hostname, port } = new URL(base);
  const socket = net.connect(Number(port), hostname);
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  socket.on('error', () => {
    /* the server may reset a connection we are closing */
  });
  const head = body === undefined ? `GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\n` : `POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\n`;
  const request =
    body === undefined
      ? `${head}\r\n`
      : `${head}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  socket.write(request.repeat(count));
  return { leave: () => socket.destroy(), received: () => text };
}
