import { z } from 'zod';
import { OriginBook, type FleetTarget } from '../fleet/index.js';
import { parseSettings } from '../settings/validate.js';
import type { Messaging } from './messaging.js';

/** `PATCH /brokers/:name`'s body, and a broker's stored override in fleet mode: one schema for both. */
export const drainSchema = z.strictObject({ drain: z.boolean({ error: 'must be true or false' }) });

/**
 * Fleet mode: a broker's drain is stored like a limit's override, so every
 * instance stops choosing the broker, and an instance started later (or
 * restarted) reads it at start. `null` (reverted) is the code's default: not drained.
 */
export function brokerTarget(messaging: Messaging): FleetTarget {
  const drainOf = (patch: unknown): boolean => (patch === null ? false : parseSettings(drainSchema, patch).drain);
  return {
    kind: 'broker',
    origins: new OriginBook(),
    has: (name) => messaging.brokers.includes(name),
    parsePatch: (input) => parseSettings(drainSchema, input),
    apply: (name, patch, actor) => void messaging.drain(name, drainOf(patch), actor),
    check: (_name, patch) => void drainOf(patch),
  };
}
