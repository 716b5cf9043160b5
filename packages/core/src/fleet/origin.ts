/** Where one setting's value comes from. */
export type FieldSource = 'default' | 'override';

/** One stored change of a named thing's settings, as the fleet store holds it. */
export interface StoredChange {
  /** The fields overridden over the code's defaults; `null` after a revert to the defaults. */
  patch: Record<string, unknown> | null;
  /** Name of the admin token that made the change. */
  actor: string;
  /** ISO-8601 time of the change, from the database clock. */
  at: string;
  /** The store's version of the change: increases with every change, fleet-wide. */
  version: number;
}

/** What `GET` shows about where each value comes from (fleet mode). */
export interface SettingsSource {
  fields: Record<string, FieldSource>;
  /** The last stored change, or `null` when the code's defaults were never changed. */
  lastChange: { action: 'override' | 'revert'; actor: string; at: string; version: number } | null;
}

/**
 * The last stored change applied to each name, so views can say which values are
 * overrides and who set them, and so an older change is never applied over a newer one.
 */
export class OriginBook {
  readonly #changes = new Map<string, StoredChange>();

  get(name: string): StoredChange | undefined {
    return this.#changes.get(name);
  }

  set(name: string, change: StoredChange): void {
    this.#changes.set(name, change);
  }

  /** The store version of `name`'s settings; `0` while they are the code's defaults and never changed. */
  version(name: string): number {
    return this.#changes.get(name)?.version ?? 0;
  }

  source(name: string, fields: readonly string[]): SettingsSource {
    const change = this.#changes.get(name);
    const patch = change?.patch ?? null;
    const bySource: Record<string, FieldSource> = {};
    for (const field of fields) bySource[field] = patch !== null && field in patch ? 'override' : 'default';
    return {
      fields: bySource,
      lastChange:
        change === undefined
          ? null
          : { action: patch === null ? 'revert' : 'override', actor: change.actor, at: change.at, version: change.version },
    };
  }
}
