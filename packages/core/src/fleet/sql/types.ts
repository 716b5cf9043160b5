/** What the fleet SQL needs: a `pg.Pool`, a `pg.PoolClient` or a `pg.Client`. */
export interface Queryable {
  query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

/** Kinds of settings the fleet stores. */
export type FleetKind = 'limit' | 'dependency' | 'assert' | 'flag' | 'broker';

/** One row of `fleet_settings`. */
export interface FleetRow {
  kind: FleetKind;
  name: string;
  /** Overridden fields, or `null` once reverted to the code's defaults. Unvalidated: it comes from the database. */
  patch: unknown;
  version: number;
  actor: string;
  /** The audit action the writer named (e.g. `flag.promote`); `null`: the kind's own (override or revert). */
  action: string | null;
  /** ISO-8601, database clock. */
  at: string;
}

/** A schema-qualified table name; `schema` was checked against an identifier pattern when options were resolved. */
export const table = (schema: string, name: string): string => `"${schema}"."${name}"`;

export function toRow(raw: Record<string, unknown>): FleetRow {
  return {
    kind: raw.kind as FleetKind,
    name: raw.name as string,
    patch: raw.patch,
    version: Number(raw.version),
    actor: raw.actor as string,
    action: (raw.audit_action as string | null | undefined) ?? null,
    at: (raw.changed_at as Date).toISOString(),
  };
}
