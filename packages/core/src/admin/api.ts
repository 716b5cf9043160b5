import type { AdminRequest, Reply } from '../http/types.js';
import { jsonReply } from '../http/types.js';
import { BodyTooLargeError, parsedBodyBytes } from '../http/body.js';
import type { Logger } from '../util/logger.js';
import { errorReply } from './errors.js';
import { RouteTable, type AdminRoute } from './route.js';
import type { TokenVerifier } from './auth.js';

/** Largest accepted request body, in bytes (DESIGN.md: bodies under 16 KiB). */
export const ADMIN_MAX_BODY_BYTES = 16384;

const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/**
 * The framework-free admin API: checks in the documented order
 * (401 → 403 → 404/405 → 415 → 413 → 400 JSON → 400 validation) and
 * dispatches to the route table that the feature modules filled.
 */
export class AdminApi {
  readonly routes = new RouteTable();
  readonly #tokens: TokenVerifier;
  readonly #logger: Logger;

  constructor(tokens: TokenVerifier, logger: Logger) {
    this.#tokens = tokens;
    this.#logger = logger;
  }

  add(...routes: AdminRoute[]): void {
    this.routes.add(...routes);
  }

  async handle(req: AdminRequest): Promise<Reply> {
    try {
      return await this.#dispatch(req);
    } catch (error) {
      const reply = errorReply(error);
      if (reply.status >= 500) this.#logger.error({ err: error, path: req.path }, 'ballast: admin request failed');
      return reply;
    }
  }

  async #dispatch(req: AdminRequest): Promise<Reply> {
    const method = req.method.toUpperCase();
    const matched = this.routes.match(method, req.path);
    const publicRoute = matched !== undefined && 'found' in matched && matched.found.route.public === true;

    const token = this.#tokens.verify(req.header('authorization'));
    if (token === undefined && !publicRoute) {
      return jsonReply(
        401,
        { error: 'unauthorized', message: 'A valid "Authorization: Bearer <token>" header is required' },
        { 'www-authenticate': 'Bearer realm="ballast"' },
      );
    }
    if (token !== undefined && token.role === 'read' && WRITE_METHODS.has(method)) {
      return jsonReply(403, { error: 'forbidden', message: `Token "${token.name}" has the read role and cannot make changes` });
    }
    if (matched === undefined) return jsonReply(404, { error: 'not_found', message: `No admin route ${req.path}` });
    if ('allowed' in matched) {
      return jsonReply(
        405,
        { error: 'method_not_allowed', message: `${method} is not allowed on ${req.path}` },
        { allow: matched.allowed.join(', ') },
      );
    }
    const { route, params } = matched.found;
    if (route.exists !== undefined && !route.exists(params)) {
      return jsonReply(404, { error: 'not_found', message: `Nothing named "${Object.values(params).join('/')}"` });
    }

    let body: unknown;
    if (route.body === 'json') {
      const parsed = await readJsonBody(req);
      if ('reply' in parsed) return parsed.reply;
      body = parsed.value;
    }
    return route.handle({
      actor: token?.name ?? 'anonymous',
      token,
      originalPath: req.originalPath ?? req.path,
      params,
      query: new URLSearchParams(req.query),
      body,
      header: (name) => req.header(name),
    });
  }
}

async function readJsonBody(req: AdminRequest): Promise<{ value: unknown } | { reply: Reply }> {
  const contentType = req.header('content-type');
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    return { reply: jsonReply(415, { error: 'unsupported_media_type', message: 'Content-Type must be application/json' }) };
  }
  const tooLarge = {
    reply: jsonReply(413, { error: 'payload_too_large', message: `Body must be at most ${ADMIN_MAX_BODY_BYTES} bytes` }),
  };
  const declared = Number(req.header('content-length'));
  if (Number.isFinite(declared) && declared > ADMIN_MAX_BODY_BYTES) return tooLarge;
  const empty = { reply: jsonReply(400, { error: 'invalid', field: '(body)', message: 'Body is empty; send a JSON object' }) };

  // A body parser ran first: the same answers as on the raw stream, from the size it had.
  if (req.body.kind === 'parsed') {
    const bytes = parsedBodyBytes(req.body, req.header('content-length'));
    if (bytes > ADMIN_MAX_BODY_BYTES) return tooLarge;
    return bytes === 0 ? empty : { value: req.body.value };
  }
  let raw: Buffer;
  try {
    raw = await req.body.read(ADMIN_MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return tooLarge;
    throw error;
  }
  if (raw.length === 0) return empty;
  try {
    return { value: JSON.parse(raw.toString('utf8')) as unknown };
  } catch {
    return { reply: jsonReply(400, { error: 'malformed_json', message: 'Body is not valid JSON' }) };
  }
}
