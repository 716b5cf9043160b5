import type { AuditLog } from '../admin/audit.js';
import { BallastConfigError, UnknownNameError, VersionConflictError } from '../errors/index.js';
import { versionMatches } from '../http/etag.js';
import type { SafeEmitter } from '../events/index.js';
import type { Logger } from '../util/logger.js';
import { Dependency } from './dependency.js';
import type { DependencyStats } from './stats.js';
import type { ErrorFilter } from './executor.js';
import type { BreakerStateName, TransitionListener, TransitionReason, WindowTotals } from './machine.js';
import { mergeDependencyPatch, parseDependencySettings, type DependencySettings, type DependencySettingsInput } from './settings.js';

/** One dependency as the user declares it in `createBallast({ dependencies })`. */
export interface DependencyDefinition extends DependencySettingsInput {
  /** Returns true for errors that are answers, not failures (e.g. a 404): they reach the caller unchanged. Default: none. */
  errorFilter?: ErrorFilter;
}

/** What `GET /dependencies/:name` shows. */
export interface DependencyView {
  name: string;
  settings: DependencySettings;
  state: BreakerStateName;
  version: number;
  stats: DependencyStats;
}

type Transition = { name: string; reason: TransitionReason };

export interface DependencyEvents {
  /** A dependency's breaker opened (failures over the threshold, or `force: "open"`); reads get fallbacks. */
  'breaker:opened': Transition & { window: { calls: number; failures: number } };
  /** The breaker lets probe calls through after `resetTimeoutMs`. */
  'breaker:half-open': Transition;
  /** The breaker closed again: the probes succeeded (or `force: "closed"`). */
  'breaker:closed': Transition;
  /** A dependency's breaker settings were changed (code, admin API or fleet). */
  'dependency:updated': { name: string; actor: string; before: DependencySettings; after: DependencySettings; version: number };
}

export interface DependencyUpdateOptions {
  /** Who made the change, for the audit log. Default `code`. */
  actor?: string;
  /** Apply only if the dependency is still at this version, or at one of these (optimistic concurrency, `If-Match`). */
  ifVersion?: number | readonly number[];
}

const EVENT_BY_STATE = { open: 'breaker:opened', 'half-open': 'breaker:half-open', closed: 'breaker:closed' } as const;

/** All named dependencies of one Ballast instance. */
export class DependencyRegistry {
  readonly #dependencies = new Map<string, Dependency>();
  readonly #audit: AuditLog;
  readonly #events: SafeEmitter<DependencyEvents>;
  readonly #logger: Logger;

  constructor(
    definitions: Record<string, DependencyDefinition>,
    deps: { audit: AuditLog; events: SafeEmitter<DependencyEvents>; logger: Logger; now?: () => number },
  ) {
    this.#audit = deps.audit;
    this.#events = deps.events;
    this.#logger = deps.logger;
    for (const [name, definition] of Object.entries(definitions)) {
      const { errorFilter, settings } = parseDefinition(name, definition);
      const onTransition: TransitionListener = (from, to, reason, window) => this.#transitioned(name, from, to, reason, window);
      this.#dependencies.set(
        name,
        new Dependency(name, settings, { errorFilter, onTransition, ...(deps.now === undefined ? {} : { now: deps.now }) }),
      );
    }
  }

  names(): string[] {
    return [...this.#dependencies.keys()];
  }

  has(name: string): boolean {
    return this.#dependencies.has(name);
  }

  /** The dependency itself; throws `UnknownNameError` for a name that was never configured. */
  get(name: string): Dependency {
    const dependency = this.#dependencies.get(name);
    if (dependency === undefined) throw new UnknownNameError('dependency', name);
    return dependency;
  }

  view(name: string): DependencyView {
    const d = this.get(name);
    return { name, settings: { ...d.settings }, state: d.state, version: d.version, stats: d.stats };
  }

  views(): Record<string, DependencyView> {
    const out: Record<string, DependencyView> = {};
    for (const name of this.#dependencies.keys()) out[name] = this.view(name);
    return out;
  }

  /**
   * Retunes a breaker at once, keeping its state, window and counters. The patch
   * is validated first; an invalid one throws `InvalidSettingsError` and changes nothing.
   *
   * @example
   * ballast.dependencies.update('profiles', { timeoutMs: 500 });
   * ballast.dependencies.update('profiles', { force: 'open' }, { actor: 'ops' });
   */
  update(name: string, patch: unknown, options: DependencyUpdateOptions = {}): DependencyView {
    const dependency = this.get(name);
    const after = mergeDependencyPatch(dependency.settings, patch);
    if (!versionMatches(options.ifVersion, dependency.version)) {
      throw new VersionConflictError(dependency.version);
    }
    const before = { ...dependency.settings };
    // A change of nothing keeps the version and the audit log as they were.
    if ((Object.keys(after) as (keyof DependencySettings)[]).every((k) => after[k] === before[k])) return this.view(name);
    dependency.configure(after);
    const actor = options.actor ?? 'code';
    const version = dependency.version;
    this.#audit.record({ actor, action: 'dependency.update', target: name, before, after: { ...after } });
    this.#logger.info({ dependency: name, actor, before, after, version }, 'ballast: dependency retuned');
    this.#events.emit('dependency:updated', { name, actor, before, after: { ...after }, version });
    return this.view(name);
  }

  /** Stops every breaker's background timer (used by `stop()`). */
  shutdown(): void {
    for (const dependency of this.#dependencies.values()) dependency.shutdown();
  }

  /** `window` comes from the machine: `stats` would also walk opossum's latency window, on every failed probe. */
  #transitioned(name: string, from: BreakerStateName, to: BreakerStateName, reason: TransitionReason, window: WindowTotals): void {
    const fields = { dependency: name, from, to, reason };
    if (to === 'open') {
      this.#logger.warn({ ...fields, window }, `ballast: breaker "${name}" opened`);
      this.#events.emit(EVENT_BY_STATE.open, { name, reason, window });
    } else {
      this.#logger.info(fields, `ballast: breaker "${name}" ${to}`);
      this.#events.emit(EVENT_BY_STATE[to], { name, reason });
    }
  }
}

/** Splits the code-only `errorFilter` from the settings, which the shared schema validates. */
function parseDefinition(name: string, definition: unknown): { errorFilter: ErrorFilter | undefined; settings: DependencySettings } {
  const prefix = `dependencies.${name}`;
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    return { errorFilter: undefined, settings: parseDependencySettings(definition, prefix) };
  }
  const { errorFilter, ...input } = definition as DependencyDefinition;
  if (errorFilter !== undefined && typeof errorFilter !== 'function') {
    throw new BallastConfigError(`${prefix}.errorFilter`, 'must be a function');
  }
  return { errorFilter, settings: parseDependencySettings(input, prefix) };
}
