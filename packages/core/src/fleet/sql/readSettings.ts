import { table, toRow, type FleetKind, type FleetRow, type Queryable } from './types.js';

/**
 * Rows changed at or after `sinceVersion` (`0`: the full state). A NOTIFY carries
 * the version it announces; reading from there also catches changes that committed
 * out of version order, since each of those sends its own NOTIFY.
 */
export async function readSettings(client: Queryable, schema: string, sinceVersion = 0): Promise<FleetRow[]> {
  const { rows } = await client.query(
    `SELECT kind, name, patch, version, actor, audit_action, changed_at FROM ${table(schema, 'fleet_settings')}
      WHERE version >= $1 ORDER BY version`,
    [sinceVersion],
  );
  return rows.map(toRow);
}

/** The stored row of one name, for a compare-and-set. */
export async function readSetting(client: Queryable, schema: string, kind: FleetKind, name: string): Promise<FleetRow | undefined> {
  const { rows } = await client.query(
    `SELECT kind, name, patch, version, actor, audit_action, changed_at FROM ${table(schema, 'fleet_settings')} WHERE kind = $1 AND name = $2`,
    [kind, name],
  );
  return rows[0] === undefined ? undefined : toRow(rows[0]);
}
