import { z } from 'zod';
import type { AssertInput, AssertMonitor } from '../asserts/index.js';
import { parseSettings } from '../settings/validate.js';
import { OriginBook } from './origin.js';
import type { FleetTarget } from './sync.js';

/** A stored assert change: a new definition, or the assert removed. */
const storedAssertSchema = z.strictObject({ definition: z.unknown().optional(), removed: z.boolean().optional() });
type StoredAssert = z.output<typeof storedAssertSchema>;

/**
 * Asserts: any name may be added at runtime, so an override either defines the
 * assert or removes it; reverting goes back to the code's definition (or to no
 * assert when the code had none). Definitions are validated by the asserts' own
 * compiler, the same one the constructor and `PUT /asserts/:name` use.
 */
export function assertTarget(asserts: AssertMonitor, code: Record<string, AssertInput>): FleetTarget {
  const origins = new OriginBook();
  const parse = (patch: unknown): StoredAssert => parseSettings(storedAssertSchema, patch);
  const check = (name: string, patch: unknown): void => {
    if (patch === null) return;
    const stored = parse(patch);
    if (stored.removed !== true) asserts.check(name, stored.definition);
  };
  return {
    kind: 'assert',
    origins,
    has: () => true,
    parsePatch: (input) => {
      const stored = parse(input);
      return stored.removed === true ? { removed: true } : { definition: stored.definition, removed: false };
    },
    check,
    apply: (name, patch, actor) => {
      check(name, patch);
      const stored = patch === null ? undefined : parse(patch);
      const definition = stored === undefined ? code[name] : stored.removed === true ? undefined : stored.definition;
      if (definition !== undefined) asserts.set(name, definition, actor);
      else if (asserts.has(name)) asserts.remove(name, actor);
    },
  };
}
