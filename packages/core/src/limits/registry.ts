import type { AuditLog } from '../admin/audit.js';
import { UnknownNameError, VersionConflictError } from '../errors/index.js';
import { versionMatches } from '../http/etag.js';
import type { SafeEmitter } from '../events/index.js';
import type { Logger } from '../util/logger.js';
import type { OriginBook, SettingsSource } from '../fleet/origin.js';
import { SharedRateGate, type SharedRate } from '../fleet/rateGate.js';
import { Gate } from './gate.js';
import { Limiter, type LimitStats } from './limiter.js';
import {
  parseLimitPatch,
  parseLimitSettings,
  type LimitPatch,
  type LimitSettings,
  type LimitSettingsInput,
} from './settings.js';

/** What `GET /limits/:name` shows. */
export interface LimitView {
  name: string;
  settings: LimitSettings;
  version: number;
  stats: Omit<LimitStats, 'shedByReason'> & { shedByReason: LimitStats['shedByReason'] };
  /** Fleet mode only: which values are the code's defaults and which are overrides, who set them and when. */
  source?: SettingsSource;
}

export interface LimitEvents {
  /** A limit was retuned (code, admin API or fleet); `before` and `after` are full settings. */
  'limit:updated': { name: string; actor: string; before: LimitSettings; after: LimitSettings; version: number };
}

export interface UpdateOptions {
  /** Who made the change, for the audit log. Default `code`. */
  actor?: string;
  /** Apply only if the limit is still at this version, or at one of these (optimistic concurrency, `If-Match`). */
  ifVersion?: number | readonly number[];
}

/** All named limits of one Ballast instance. */
export class LimitRegistry {
  readonly #limiters = new Map<string, Limiter>();
  /** The settings the code gave, which a revert goes back to. */
  readonly #defaults = new Map<string, LimitSettings>();
  readonly #gates = new Map<string, Gate>();
  /** Set in fleet mode: views show where values come from, and versions are the store's. */
  #origins: OriginBook | null = null;
  #sharedRate: SharedRate | null = null;
  readonly #audit: AuditLog;
  readonly #events: SafeEmitter<LimitEvents>;
  readonly #logger: Logger;

  constructor(
    definitions: Record<string, LimitSettingsInput>,
    deps: { audit: AuditLog; events: SafeEmitter<LimitEvents>; logger: Logger },
  ) {
    for (const [name, input] of Object.entries(definitions)) {
      const settings = parseLimitSettings(input, `limits.${name}`);
      this.#defaults.set(name, settings);
      this.#limiters.set(name, new Limiter(name, settings));
    }
    this.#audit = deps.audit;
    this.#events = deps.events;
    this.#logger = deps.logger;
  }

  names(): string[] {
    return [...this.#limiters.keys()];
  }

  has(name: string): boolean {
    return this.#limiters.has(name);
  }

  /** The limiter itself; throws `UnknownNameError` for a name that was never configured. */
  get(name: string): Limiter {
    const limiter = this.#limiters.get(name);
    if (limiter === undefined) throw new UnknownNameError('limit', name);
    return limiter;
  }

  /** A (cached) gate through the given limits, in order. Throws for an unknown name. */
  gate(names: readonly string[]): Gate {
    const key = names.join('\u0000');
    let gate = this.#gates.get(key);
    if (gate === undefined) {
      if (new Set(names).size !== names.length) throw new Error(`A limit is named twice: ${names.join(', ')}`);
      const limiters = names.map((n) => this.get(n));
      // Only gates through a fleet-scoped limit pay for the shared store; every other gate stays synchronous.
      const shared = limiters.filter((l) => l.settings.scope === 'fleet');
      if (shared.length === 0) gate = new Gate(limiters);
      else if (this.#sharedRate === null) throw new Error(`Limit "${shared[0]?.name}" has scope "fleet" but no fleet.redis is configured`);
      else gate = new SharedRateGate(limiters, shared, this.#sharedRate);
      this.#gates.set(key, gate);
    }
    return gate;
  }

  view(name: string): LimitView {
    const limiter = this.get(name);
    const origins = this.#origins;
    if (origins === null) return { name, settings: { ...limiter.settings }, version: limiter.version, stats: limiter.stats };
    const settings = { ...limiter.settings };
    return { name, settings, version: origins.version(name), stats: limiter.stats, source: origins.source(name, Object.keys(settings)) };
  }

  views(): Record<string, LimitView> {
    const out: Record<string, LimitView> = {};
    for (const name of this.#limiters.keys()) out[name] = this.view(name);
    return out;
  }

  /**
   * Retunes a limit at once, without waiting for in-flight work. The patch is
   * validated first; an invalid one throws `InvalidSettingsError` and changes nothing.
   * It changes this instance only; in fleet mode the admin API writes through the store instead.
   *
   * @example
   * ballast.limits.update('search', { maxConcurrent: 8 });
   */
  update(name: string, patch: unknown, options: UpdateOptions = {}): LimitView {
    const limiter = this.get(name);
    const parsed = parseLimitPatch(patch);
    // The merged settings must pass the whole schema too (cross-field rules such as onStoreDown).
    parseLimitSettings({ ...limiter.settings, ...parsed });
    if (!versionMatches(options.ifVersion, limiter.version)) {
      throw new VersionConflictError(limiter.version);
    }
    this.#retune(limiter, parsed, options.actor ?? 'code', 'limit.update');
    return this.view(name);
  }

  /**
   * Goes back to the settings the code gave, on this instance only (the admin API's
   * `DELETE /limits/:name/override` goes through the fleet store when there is one).
   * Throws `VersionConflictError` when `ifVersion` names none of the current version.
   */
  revert(name: string, options: UpdateOptions = {}): LimitView {
    const limiter = this.get(name);
    if (!versionMatches(options.ifVersion, limiter.version)) throw new VersionConflictError(limiter.version);
    this.#retune(limiter, this.#defaults.get(name) as LimitSettings, options.actor ?? 'code', 'limit.revert');
    return this.view(name);
  }

  /** Validates a stored override (`null`: none) over the code's settings with the shared schema; throws `InvalidSettingsError`. */
  resolveStored(name: string, patch: unknown): LimitSettings {
    const defaults = this.#defaults.get(name);
    if (defaults === undefined) throw new UnknownNameError('limit', name);
    if (patch === null) return defaults;
    return parseLimitSettings({ ...defaults, ...parseLimitPatch(patch, `limits.${name}`) }, `limits.${name}`);
  }

  /** Applies a fleet-stored override over the code's settings (validated first; nothing changes when it is invalid). */
  applyStored(name: string, patch: unknown, actor: string): void {
    const target = this.resolveStored(name, patch);
    this.#retune(this.get(name), target, actor, patch === null ? 'limit.revert' : 'limit.update');
  }

  /** Fleet mode: views carry `source`, and `version` is the store's version of the override. */
  useFleetOrigins(origins: OriginBook): void {
    this.#origins = origins;
  }

  /** Fleet mode: the shared store behind `scope: 'fleet'` rates. Call before the first gate is made. */
  useSharedRate(rate: SharedRate): void {
    this.#sharedRate = rate;
  }

  /** Applies only the fields that differ (an unchanged rate keeps its token bucket); a change of nothing bumps no version and is not recorded. */
  #retune(limiter: Limiter, target: LimitPatch, actor: string, action: 'limit.update' | 'limit.revert'): void {
    const current = limiter.settings as Record<string, unknown>;
    const diff: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(target)) if (key !== 'scope' && current[key] !== value) diff[key] = value;
    if (Object.keys(diff).length === 0) return;
    const name = limiter.name;
    const before = { ...limiter.settings };
    const after = { ...limiter.update(diff as LimitPatch) };
    this.#audit.record({ actor, action, target: name, before, after });
    this.#logger.info({ limit: name, actor, before, after, version: limiter.version }, 'ballast: limit retuned');
    this.#events.emit('limit:updated', { name, actor, before, after, version: limiter.version });
  }

  /** Sheds every queued request (used by `stop()`). */
  closeQueues(): void {
    for (const limiter of this.#limiters.values()) limiter.closeQueue();
  }
}
