import { jsonReply, type Reply } from '../http/types.js';
import type { Shed } from './limiter.js';

/** The 503 answer for a shed request (DESIGN.md: Retry-After in whole seconds and a JSON reason). */
export function shedReply(shed: Shed): Reply {
  return jsonReply(
    503,
    { error: 'overloaded', limit: shed.limit, reason: shed.reason },
    { 'retry-after': String(shed.retryAfterSeconds) },
  );
}
