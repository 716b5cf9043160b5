import type { AuditLog } from '../admin/audit.js';
import { UnknownNameError, VersionConflictError } from '../errors/index.js';
import type { SafeEmitter } from '../events/index.js';
import type { Logger } from '../util/logger.js';
import { Gate } from './gate.js';
import { Limiter, type LimitStats } from './limiter.js';
import { parseLimitPatch, parseLimitSettings, type LimitSettings, type LimitSettingsInput } from './settings.js';

/** What `GET /limits/:name` shows. */
export interface LimitView {
  name: string;
  settings: LimitSettings;
  version: number;
  stats: Omit<LimitStats, 'shedByReason'> & { shedByReason: LimitStats['shedByReason'] };
}

export interface LimitEvents {
  'limit:updated': { name: string; actor: string; before: LimitSettings; after: LimitSettings; version: number };
}

export interface UpdateOptions {
  /** Who made the change, for the audit log. Default `code`. */
  actor?: string;
  /** Apply only if the limit is still at this version (optimistic concurrency). */
  ifVersion?: number;
}

/** All named limits of one Ballast instance. */
export class LimitRegistry {
  readonly #limiters = new Map<string, Limiter>();
  readonly #gates = new Map<string, Gate>();
  readonly #audit: AuditLog;
  readonly #events: SafeEmitter<LimitEvents>;
  readonly #logger: Logger;

  constructor(
    definitions: Record<string, LimitSettingsInput>,
    deps: { audit: AuditLog; events: SafeEmitter<LimitEvents>; logger: Logger },
  ) {
    for (const [name, input] of Object.entries(definitions)) {
      this.#limiters.set(name, new Limiter(name, parseLimitSettings(input, `limits.${name}`)));
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
      gate = new Gate(names.map((n) => this.get(n)));
      this.#gates.set(key, gate);
    }
    return gate;
  }

  view(name: string): LimitView {
    const limiter = this.get(name);
    return { name, settings: { ...limiter.settings }, version: limiter.version, stats: limiter.stats };
  }

  views(): Record<string, LimitView> {
    const out: Record<string, LimitView> = {};
    for (const name of this.#limiters.keys()) out[name] = this.view(name);
    return out;
  }

  /**
   * Retunes a limit at once, without waiting for in-flight work. The patch is
   * validated first; an invalid one throws `InvalidSettingsError` and changes nothing.
   *
   * @example
   * ballast.limits.update('search', { maxConcurrent: 8 });
   */
  update(name: string, patch: unknown, options: UpdateOptions = {}): LimitView {
    const limiter = this.get(name);
    const parsed = parseLimitPatch(patch);
    if (options.ifVersion !== undefined && options.ifVersion !== limiter.version) {
      throw new VersionConflictError(limiter.version);
    }
    const before = { ...limiter.settings };
    const after = { ...limiter.update(parsed) };
    const actor = options.actor ?? 'code';
    this.#audit.record({ actor, action: 'limit.update', target: name, before, after });
    this.#logger.info({ limit: name, actor, before, after, version: limiter.version }, 'ballast: limit retuned');
    this.#events.emit('limit:updated', { name, actor, before, after, version: limiter.version });
    return this.view(name);
  }

  /** Sheds every queued request (used by `stop()`). */
  closeQueues(): void {
    for (const limiter of this.#limiters.values()) limiter.closeQueue();
  }
}
