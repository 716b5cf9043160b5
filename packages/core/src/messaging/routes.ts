import type { AdminRoute } from '../admin/route.js';
import { registerAdminErrorStatus } from '../admin/errors.js';
import { jsonReply } from '../http/types.js';
import { parseSettings } from '../settings/validate.js';
import { InvalidMessageError, PublishError } from './errors.js';
import type { SettingsWriter } from '../limits/routes.js';
import { drainSchema } from './fleetTarget.js';
import type { Messaging } from './messaging.js';

/**
 * `GET /brokers`, `PATCH /brokers/:name` `{"drain": true|false}` (audited;
 * with a fleet store, written through `writer` so every instance follows),
 * `GET /subscriptions` and `GET /subscriptions/dead`.
 */
export function messagingRoutes(messaging: Messaging, writer?: SettingsWriter): AdminRoute[] {
  registerAdminErrorStatus(PublishError.code, 503);
  registerAdminErrorStatus(InvalidMessageError.code, 400);
  return [
    { method: 'GET', path: '/brokers', handle: () => jsonReply(200, { brokers: messaging.views() }) },
    {
      method: 'GET',
      path: '/brokers/:name',
      exists: ({ name }) => messaging.brokers.includes(name as string),
      handle: ({ params }) => jsonReply(200, { name: params.name, ...messaging.view(params.name as string) }),
    },
    {
      method: 'PATCH',
      path: '/brokers/:name',
      body: 'json',
      exists: ({ name }) => messaging.brokers.includes(name as string),
      handle: async ({ params, body, actor }) => {
        const { drain } = parseSettings(drainSchema, body);
        const name = params.name as string;
        if (writer === undefined) messaging.drain(name, drain, actor);
        else await writer.override(name, { drain }, { actor });
        return jsonReply(200, { name, ...messaging.view(name) });
      },
    },
    { method: 'GET', path: '/subscriptions', handle: () => jsonReply(200, { subscriptions: messaging.subscriptions() }) },
    { method: 'GET', path: '/subscriptions/dead', handle: async () => jsonReply(200, { dead: await messaging.dead() }) },
  ];
}
