import type { AdminRoute } from '../admin/route.js';
import { registerAdminErrorStatus } from '../admin/errors.js';
import { InvalidSettingsError } from '../errors/index.js';
import { jsonReply } from '../http/types.js';
import { InvalidPayloadError, OutboxFullError, OutboxUnavailableError } from './errors.js';
import type { Outbox } from './outbox.js';

function parseLimit(raw: string | null): number {
  if (raw === null) return 100;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new InvalidSettingsError('limit', 'must be an integer between 1 and 1000');
  return limit;
}

/**
 * `GET /outbox`, `GET /outbox/dead`, `POST /outbox/dead/:id/retry`,
 * `POST /outbox/destinations/:name/pause` and `/resume`. Changes are audited
 * under the token's name.
 */
export function outboxRoutes(outbox: Outbox): AdminRoute[] {
  registerAdminErrorStatus(OutboxFullError.code, 503, 'overloaded');
  registerAdminErrorStatus(OutboxUnavailableError.code, 503);
  registerAdminErrorStatus(InvalidPayloadError.code, 400);
  const exists = (params: Record<string, string>): boolean => outbox.destinations.includes(params.name as string);
  const pauseRoute = (paused: boolean): AdminRoute => ({
    method: 'POST',
    path: `/outbox/destinations/:name/${paused ? 'pause' : 'resume'}`,
    exists,
    handle: async ({ params, actor }) => {
      const name = params.name as string;
      await (paused ? outbox.pause(name, actor) : outbox.resume(name, actor));
      return jsonReply(200, { destination: name, paused });
    },
  });
  return [
    {
      method: 'GET',
      path: '/outbox',
      handle: async () => {
        const stats = await outbox.stats();
        const destinations = Object.fromEntries(
          Object.entries(stats).map(([name, s]) => [name, { ...s, breaker: outbox.breakerState(name) }]),
        );
        return jsonReply(200, { destinations });
      },
    },
    {
      method: 'GET',
      path: '/outbox/dead',
      handle: async ({ query }) => {
        const destination = query.get('destination') ?? undefined;
        const limit = parseLimit(query.get('limit'));
        return jsonReply(200, { dead: await outbox.dead(destination, { limit }) });
      },
    },
    {
      method: 'POST',
      path: '/outbox/dead/:id/retry',
      handle: async ({ params, actor }) => jsonReply(200, { ...(await outbox.retryDead(params.id as string, actor)), state: 'pending' }),
    },
    pauseRoute(true),
    pauseRoute(false),
  ];
}
