import { isInvalidSettingsError } from '../errors/index.js';
import type { SafeEmitter } from '../events/index.js';
import type { Logger } from '../util/logger.js';
import type { OriginBook, StoredChange } from './origin.js';
import type { FleetKind, FleetRow } from './sql/types.js';

/** One kind of settings the fleet keeps in step (limits, dependencies): small hooks into its registry. */
export interface FleetTarget {
  readonly kind: FleetKind;
  /** Which stored change each name is at. */
  readonly origins: OriginBook;
  has(name: string): boolean;
  /** Validates an admin patch with the shared schema; throws `InvalidSettingsError` naming the field. */
  parsePatch(input: unknown): Record<string, unknown>;
  /**
   * Validates a stored override (`null`: the code's defaults) over the code's
   * defaults with the shared schema, and applies it. Throws `InvalidSettingsError`
   * and changes nothing when it is invalid.
   */
  apply(name: string, patch: unknown, actor: string, change?: AppliedChange): void;
  /** Validates only, like `apply`. */
  check(name: string, patch: unknown): void;
}

/** Which stored change is being applied; `initial` while applying the state read at start. */
export interface AppliedChange {
  version: number;
  initial: boolean;
  /** The audit action the writer named, when it named one (a flag's `flag.promote`). */
  action?: string | undefined;
  /** ISO-8601 time of the stored change (database clock). */
  at?: string | undefined;
}

export interface FleetEvents {
  /** This instance is listening to the fleet store and has applied every change up to `version`. */
  'fleet:connected': { version: number };
  /** The fleet store connection was lost; the instance keeps its settings and reconnects. */
  'fleet:disconnected': { error: unknown };
  /** A change from the fleet store was applied here. */
  'fleet:applied': { kind: FleetKind; name: string; version: number; actor: string };
  /** A stored change failed validation here and was ignored (the field and message say why). */
  'fleet:invalid': { kind: FleetKind; name: string; version: number; field: string; message: string };
  /** The Redis store behind fleet-wide rates stopped answering; each limit now follows its `onStoreDown`. */
  'fleet:store-down': { store: 'redis'; error: unknown };
  /** Redis answers again; fleet-wide rates are shared again. */
  'fleet:store-up': { store: 'redis' };
}

/**
 * Applies stored rows to this instance: newer versions only, each validated again
 * with the same schema as the constructor and the admin API. An invalid row is
 * logged and skipped; it never takes the instance down.
 */
export class FleetSync {
  readonly #targets: Map<FleetKind, FleetTarget>;
  readonly #events: SafeEmitter<FleetEvents>;
  readonly #logger: Logger;
  /** Highest version seen, for `fleet:connected`. */
  highest = 0;
  /** Whether the state read at start has been applied: later rows are fresh changes. */
  #primed = false;

  constructor(targets: readonly FleetTarget[], events: SafeEmitter<FleetEvents>, logger: Logger) {
    this.#targets = new Map(targets.map((t) => [t.kind, t]));
    this.#events = events;
    this.#logger = logger;
  }

  /** Adds a kind made after the fleet (a broker's drain); before `start()`, so the first read applies it too. */
  add(target: FleetTarget): void {
    this.#targets.set(target.kind, target);
  }

  target(kind: FleetKind): FleetTarget {
    const target = this.#targets.get(kind);
    if (target === undefined) throw new Error(`No fleet target for ${kind}`);
    return target;
  }

  applyRows(rows: readonly FleetRow[]): void {
    const initial = !this.#primed;
    this.#primed = true;
    for (const row of rows) this.#applyRow(row, initial);
  }

  #applyRow(row: FleetRow, initial: boolean): void {
    this.highest = Math.max(this.highest, row.version);
    const target = this.#targets.get(row.kind);
    // A name this instance does not know (e.g. during a rolling deploy) is not ours to apply.
    if (target === undefined || !target.has(row.name)) return;
    if (target.origins.version(row.name) >= row.version) return;
    try {
      target.apply(row.name, row.patch, row.actor, { version: row.version, initial, action: row.action ?? undefined, at: row.at });
    } catch (error) {
      // Whatever is wrong with one row, it must neither crash the instance nor stop the other rows.
      const detail = isInvalidSettingsError(error)
        ? { kind: row.kind, name: row.name, version: row.version, field: error.field, message: error.detail }
        : { kind: row.kind, name: row.name, version: row.version, field: '(row)', message: String((error as Error)?.message ?? error) };
      this.#logger.error(detail, 'ballast: invalid stored fleet override skipped; keeping the current settings');
      this.#events.emit('fleet:invalid', detail);
      return;
    }
    const change: StoredChange = {
      patch: row.patch === null ? null : (row.patch as Record<string, unknown>),
      actor: row.actor,
      at: row.at,
      version: row.version,
    };
    target.origins.set(row.name, change);
    this.#events.emit('fleet:applied', { kind: row.kind, name: row.name, version: row.version, actor: row.actor });
  }
}
