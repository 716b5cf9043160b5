import { BallastConfigError } from '../errors/index.js';
import { Fleet, type FleetParts } from './fleet.js';
import { resolveFleetOptions } from './options.js';

/**
 * The fleet of `createBallast`'s options, or `undefined` without a `fleet` section.
 * Throws `BallastConfigError` for a `scope: 'fleet'` limit with no Redis to share it.
 */
export function fleetFor(options: { fleet?: unknown; outbox?: unknown }, parts: FleetParts): Fleet | undefined {
  const shared = parts.limits.names().filter((name) => parts.limits.get(name).settings.scope === 'fleet');
  const resolved =
    options.fleet === undefined ? undefined : resolveFleetOptions(options.fleet, (options.outbox as { database?: unknown } | undefined)?.database);
  if (shared.length > 0 && resolved?.redis === undefined) {
    throw new BallastConfigError(`limits.${shared[0]}.scope`, 'is "fleet", which needs fleet.redis to share the rate');
  }
  return resolved === undefined ? undefined : new Fleet(resolved, parts);
}
