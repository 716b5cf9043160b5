import { table, toRow, type FleetKind, type FleetRow, type Queryable } from './types.js';

export interface SettingWrite {
  kind: FleetKind;
  name: string;
  /** The new overridden fields, or `null` to revert to the code's defaults. */
  patch: Record<string, unknown> | null;
  /** The stored row's patch being replaced, for the change history. */
  before: unknown;
  actor: string;
  /** The audit action every instance records when it applies the change; default: the kind's own (override or revert). */
  action?: string | undefined;
  /** Compare-and-set: the stored version this write replaces, `0` when there is no row yet. */
  expectedVersion: number;
}

/**
 * Compare-and-set of one row, its history entry and the NOTIFY, in one statement
 * (one transaction: the notification goes out only if the change commits). Returns
 * `undefined` when the row moved past `expectedVersion` meanwhile.
 */
export async function writeSetting(client: Queryable, schema: string, channel: string, w: SettingWrite): Promise<FleetRow | undefined> {
  const settings = table(schema, 'fleet_settings');
  const nextVersion = `nextval('${table(schema, 'fleet_version_seq')}')`;
  const change =
    w.expectedVersion === 0
      ? `INSERT INTO ${settings} (kind, name, patch, version, actor, audit_action)
         SELECT $1::text, $2::text, $3::jsonb, ${nextVersion}, $4::text, $9::text WHERE $7::bigint = 0
         ON CONFLICT (kind, name) DO NOTHING`
      : `UPDATE ${settings} SET patch = $3::jsonb, version = ${nextVersion}, actor = $4::text, audit_action = $9::text, changed_at = now()
         WHERE kind = $1::text AND name = $2::text AND version = $7::bigint`;
  const { rows } = await client.query(
    `WITH w AS (${change} RETURNING kind, name, patch, version, actor, audit_action, changed_at),
          h AS (INSERT INTO ${table(schema, 'fleet_changes')} (version, kind, name, action, audit_action, actor, before, after, changed_at)
                SELECT version, kind, name, $5::text, audit_action, actor, $6::jsonb, patch, changed_at FROM w)
     SELECT w.*, pg_notify($8::text, w.version::text) FROM w`,
    [
      w.kind,
      w.name,
      w.patch === null ? null : JSON.stringify(w.patch),
      w.actor,
      w.patch === null ? 'revert' : 'override',
      w.before === null || w.before === undefined ? null : JSON.stringify(w.before),
      w.expectedVersion,
      channel,
      w.action ?? null,
    ],
  );
  return rows[0] === undefined ? undefined : toRow(rows[0]);
}
