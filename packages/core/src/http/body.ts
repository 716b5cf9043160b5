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
 * `rawBody` is what the parser kept of the bytes, if it kept them (Koa body parsers do).
 */
export function nodeRequestBody(req: IncomingMessage, parsedBody: unknown, rawBody?: unknown): RequestBody {
  if (parsedBody === undefined || !req.readableEnded) return { kind: 'stream', read: (limitBytes) => readNodeBody(req, limitBytes) };
  if (typeof rawBody === 'string') return { kind: 'parsed', value: parsedBody, rawBytes: Buffer.byteLength(rawBody) };
  if (Buffer.isBuffer(rawBody)) return { kind: 'parsed', value: parsedBody, rawBytes: rawBody.length };
  return { kind: 'parsed', value: parsedBody };
}

/**
 * How many bytes a body a parser already consumed had, so that the size and
 * emptiness checks answer as they would have on the raw stream: the parser's own
 * record, else the declared `Content-Length`, else the size of the value re-serialised
 * (a chunked body whose parser kept nothing; an empty one then reads as `{}`).
 */
export function parsedBodyBytes(body: { value: unknown; rawBytes?: number }, contentLength: string | undefined): number {
  if (body.rawBytes !== undefined) return body.rawBytes;
  const declared = contentLength === undefined || contentLength.trim() === '' ? Number.NaN : Number(contentLength);
  if (Number.isSafeInteger(declared) && declared >= 0) return declared;
  return Buffer.byteLength(JSON.stringify(body.value) ?? '');
}
