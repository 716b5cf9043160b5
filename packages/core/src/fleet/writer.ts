import { VersionConflictError } from '../errors/index.js';
import { versionMatches } from '../http/etag.js';
import type { FleetKind } from './sql/types.js';
import type { FleetStore } from './store.js';
import type { FleetSync } from './sync.js';

/** How many times a write re-reads and retries when another instance changed the same row meanwhile. */
const MAX_ATTEMPTS = 5;

export interface WriteOptions {
  /** The admin token's name, stored with the change. */
  actor: string;
  /** `If-Match`: the store versions the caller accepts (412 when the store is at none of them). */
  ifVersion?: readonly number[];
  /** The audit action every instance records when it applies the change (`flag.promote`); default: the kind's own. */
  action?: string;
}

/**
 * The admin write path in fleet mode: validate (400 before touching the store),
 * compare-and-set the stored override, then apply it here at once; every other
 * instance applies it from the NOTIFY. When the store is unreachable the change is
 * refused (503) and applied nowhere.
 */
export class FleetWriter {
  readonly #store: FleetStore;
  readonly #sync: FleetSync;

  constructor(store: FleetStore, sync: FleetSync) {
    this.#store = store;
    this.#sync = sync;
  }

  /** Merges `input` into the stored override of `name`. */
  async override(kind: FleetKind, name: string, input: unknown, options: WriteOptions): Promise<void> {
    const target = this.#sync.target(kind);
    const patch = target.parsePatch(input);
    await this.#compareAndSet(kind, name, options, (stored) => {
      const merged = { ...(isObject(stored) ? stored : {}), ...patch };
      target.check(name, merged);
      return merged;
    });
  }

  /** Reverts `name` to the code's defaults on every instance. */
  async revert(kind: FleetKind, name: string, options: WriteOptions): Promise<void> {
    await this.#compareAndSet(kind, name, options, () => null);
  }

  #readOne(kind: FleetKind, name: string) {
    return readTwice(() => this.#store.readOne(kind, name));
  }

  async #compareAndSet(
    kind: FleetKind,
    name: string,
    options: WriteOptions,
    next: (stored: unknown) => Record<string, unknown> | null,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const row = await this.#readOne(kind, name);
      const current = row?.version ?? 0;
      if (!versionMatches(options.ifVersion, current)) throw new VersionConflictError(current);
      const stored = row?.patch ?? null;
      const patch = next(stored);
      // Already so (at the defaults, or the same override): nothing to write or announce, no version bumped.
      if (sameOverride(patch, stored)) return;
      const written = await this.#store.write({ kind, name, patch, before: stored, actor: options.actor, action: options.action, expectedVersion: current });
      if (written !== undefined) {
        this.#sync.applyRows([written]);
        return;
      }
      // Another instance changed this row between our read and our write.
      if (options.ifVersion !== undefined || attempt >= MAX_ATTEMPTS) {
        throw new VersionConflictError((await this.#store.readOne(kind, name))?.version ?? 0);
      }
    }
  }
}

/**
 * A read is safe to repeat: once, for a pooled connection the server dropped while it
 * sat idle. Not after a timeout, which would only double the wait for the 503.
 */
async function readTwice<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (/timeout/i.test(String((error as Error).cause))) throw error;
    return read();
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Overrides are flat maps of settings: equal when both are absent or hold the same keys and values. */
function sameOverride(next: Record<string, unknown> | null, stored: unknown): boolean {
  if (next === null || !isObject(stored)) return next === null && (stored === null || stored === undefined);
  const keys = Object.keys(next);
  return keys.length === Object.keys(stored).length && keys.every((k) => Object.is(next[k], stored[k]));
}
