import type { IncomingMessage } from 'node:http';
import { BallastError } from '../errors/index.js';
import type { RequestBody } from './types.js';

export class BodyTooLargeError extends BallastError {
  static readonly code = 'BALLAST_BODY_TOO_LARGE';
  constructor(limitBytes: number) {
    super(BodyTooLargeError.code, `Request body exceeds ${limitBytes} bytes`);
  }
}

/** Reads a node request stream, refusing (and stopping to buffer) past `limitBytes`. */
export function readNodeBody(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        cleanup();
        req.resume(); // drain the rest so the connection can answer 413
        reject(new BodyTooLargeError(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/**
 * Describes a node request's body for the admin API: `parsed` when a body parser
 * (express.json(), a Koa body parser) already consumed it, else a lazy reader.
 */
export function nodeRequestBody(req: IncomingMessage, parsedBody: unknown): RequestBody {
  if (parsedBody !== undefined && req.readableEnded) return { kind: 'parsed', value: parsedBody };
  return { kind: 'stream', read: (limitBytes) => readNodeBody(req, limitBytes) };
}
