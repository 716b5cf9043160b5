import type { AdminContext, AdminRoute, RouteTable } from '../admin/route.js';
import { errorReply } from '../admin/errors.js';
import { jsonReply, type Reply } from '../http/types.js';

/**
 * What the dashboard shows, by section, and the admin route each section comes
 * from. A route that this instance does not have (no flags, no brokers, not in
 * fleet mode), or that answers 404 (no outbox configured), leaves its section
 * out, and the page hides it.
 */
const SECTIONS: Readonly<Record<string, string>> = {
  limits: '/limits',
  dependencies: '/dependencies',
  outbox: '/outbox',
  dead: '/outbox/dead?limit=50',
  asserts: '/asserts',
  flags: '/flags',
  brokers: '/brokers',
  fleet: '/fleet',
  instances: '/fleet/instances',
  audit: '/audit?limit=50',
};

/** A section that could not be read (the outbox database is down, say) shows its error instead. */
type Section = unknown;

async function readSection(routes: RouteTable, ctx: AdminContext, target: string): Promise<Section> {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const matched = routes.match('GET', path);
  if (matched === undefined || !('found' in matched)) return undefined;
  const { route, params } = matched.found;
  let reply: Reply;
  try {
    reply = await route.handle({ ...ctx, params, query: new URLSearchParams(q === -1 ? '' : target.slice(q + 1)) });
  } catch (error) {
    reply = errorReply(error);
  }
  // A 404 means this instance does not have the thing (no outbox configured): the section is hidden.
  if (reply.status === 404) return undefined;
  const body: unknown = reply.body === undefined ? null : JSON.parse(reply.body);
  return reply.status === 200 ? body : { error: { status: reply.status, body } };
}

/**
 * `GET /overview`: every section of the dashboard in one authenticated request,
 * read through the same route handlers as their own endpoints (so the answers
 * never disagree), with the server's time for per-second rates. The page polls it
 * once a second.
 */
export function overviewRoute(routes: RouteTable): AdminRoute {
  return {
    method: 'GET',
    path: '/overview',
    handle: async (ctx) => {
      const names = Object.keys(SECTIONS);
      const values = await Promise.all(names.map((name) => readSection(routes, ctx, SECTIONS[name] as string)));
      const sections: Record<string, Section> = {};
      names.forEach((name, i) => {
        if (values[i] !== undefined) sections[name] = values[i];
      });
      return jsonReply(200, { at: Date.now(), sections });
    },
  };
}
