import type { DependencyRegistry, DependencySettings } from '../dependencies/index.js';
import { mergeDependencyPatch, dependencyPatchSchema } from '../dependencies/index.js';
import { parseFlagPatch, type FlagRegistry } from '../flags/index.js';
import type { LimitRegistry } from '../limits/registry.js';
import { parseLimitPatch } from '../limits/settings.js';
import { parseSettings } from '../settings/validate.js';
import { OriginBook } from './origin.js';
import type { FleetTarget } from './sync.js';

/** Limits: the registry keeps the code's defaults and applies overrides over them. */
export function limitTarget(limits: LimitRegistry): FleetTarget {
  const origins = new OriginBook();
  limits.useFleetOrigins(origins);
  return {
    kind: 'limit',
    origins,
    has: (name) => limits.has(name),
    parsePatch: (input) => parseLimitPatch(input),
    apply: (name, patch, actor) => void limits.applyStored(name, patch, actor),
    check: (name, patch) => void limits.resolveStored(name, patch),
  };
}

/**
 * Dependencies: their settings at construction are the code's defaults (captured
 * here, before any retune); an override is merged over them and validated by the
 * shared schema, then applied through the registry's own `update`, which keeps the
 * breaker's state and records the audit entry.
 */
export function dependencyTarget(dependencies: DependencyRegistry): FleetTarget {
  const origins = new OriginBook();
  const defaults = new Map<string, DependencySettings>(dependencies.names().map((n) => [n, { ...dependencies.view(n).settings }]));
  const resolve = (name: string, patch: unknown): DependencySettings => {
    const base = defaults.get(name) as DependencySettings;
    return patch === null ? base : mergeDependencyPatch(base, patch);
  };
  return {
    kind: 'dependency',
    origins,
    has: (name) => defaults.has(name),
    parsePatch: (input) => {
      const parsed = parseSettings(dependencyPatchSchema, input);
      return Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined));
    },
    apply: (name, patch, actor) => {
      const next = resolve(name, patch);
      const current = dependencies.view(name).settings;
      const changed = (Object.keys(next) as (keyof DependencySettings)[]).some((k) => next[k] !== current[k]);
      if (changed) dependencies.update(name, next, { actor });
    },
    check: (name, patch) => void resolve(name, patch),
  };
}


/**
 * Flags: the stored override is the whole state (`{ stage, percent }`), validated
 * over the code's state by the flags' schema. Applying it records the store's
 * version, which a guard's step back compares-and-sets against.
 */
export function flagTarget(flags: FlagRegistry): FleetTarget {
  const origins = new OriginBook();
  flags.useFleetVersions();
  return {
    kind: 'flag',
    origins,
    has: (name) => flags.has(name),
    parsePatch: (input) => ({ ...parseFlagPatch(input, flags.stages) }),
    apply: (name, patch, actor, change) => flags.applyStored(name, patch, actor, change ?? { version: origins.version(name) + 1, initial: false }),
    check: (name, patch) => void (patch === null || flags.resolvePatch(name, patch, flags.get(name).code)),
  };
}
