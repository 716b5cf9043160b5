export interface AuditEntry {
  /** Monotonic id within this process. */
  id: number;
  /** ISO-8601 time of the change. */
  at: string;
  /** Name of the admin token (or `code` for programmatic changes). */
  actor: string;
  /** What was done, e.g. `limit.update`. */
  action: string;
  /** What it was done to, e.g. the limit's name. */
  target: string;
  before: unknown;
  after: unknown;
}

/** A bounded, in-memory record of recent changes, newest last. */
export class AuditLog {
  readonly #entries: AuditEntry[] = [];
  readonly #capacity: number;
  #nextId = 1;

  constructor(capacity = 1000) {
    this.#capacity = capacity;
  }

  record(entry: Omit<AuditEntry, 'id' | 'at'>): AuditEntry {
    const full: AuditEntry = { id: this.#nextId++, at: new Date().toISOString(), ...entry };
    this.#entries.push(full);
    if (this.#entries.length > this.#capacity) this.#entries.shift();
    return full;
  }

  /** Newest first. */
  recent(limit = this.#capacity): AuditEntry[] {
    return this.#entries.slice(-limit).reverse();
  }
}
