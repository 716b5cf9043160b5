/**
 * The fleet's numbered migrations, applied in order and recorded in
 * `<schema>.fleet_migrations` (the outbox keeps its own list in `<schema>.migrations`).
 * Never edit a released one: add the next number.
 */
export interface FleetMigration {
  id: number;
  name: string;
  /** Statements, run one by one; `t(name)` is the schema-qualified table name. */
  sql(t: (name: string) => string): string[];
}

export const fleetMigrations: readonly FleetMigration[] = [
  {
    // IF NOT EXISTS: databases from before numbered fleet migrations already hold these tables.
    id: 1,
    name: 'settings',
    sql: (t) => [
      // Versions come from one sequence: they order every change fleet-wide without any instance's clock.
      `CREATE SEQUENCE IF NOT EXISTS ${t('fleet_version_seq')}`,
      `CREATE TABLE IF NOT EXISTS ${t('fleet_settings')} (
        kind text NOT NULL,
        name text NOT NULL,
        patch jsonb,
        version bigint NOT NULL,
        actor text NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (kind, name)
      )`,
      `CREATE INDEX IF NOT EXISTS fleet_settings_version ON ${t('fleet_settings')} (version)`,
      `CREATE TABLE IF NOT EXISTS ${t('fleet_changes')} (
        version bigint PRIMARY KEY,
        kind text NOT NULL,
        name text NOT NULL,
        action text NOT NULL,
        actor text NOT NULL,
        before jsonb,
        after jsonb,
        changed_at timestamptz NOT NULL
      )`,
    ],
  },
  {
    // One row per running instance, refreshed by its heartbeat. `interval_ms` is stored so
    // staleness (three missed beats) is judged per instance, on the database clock.
    id: 2,
    name: 'instances',
    sql: (t) => [
      `CREATE TABLE ${t('fleet_instances')} (
        id text PRIMARY KEY,
        stage text NOT NULL,
        app_version text,
        health text NOT NULL,
        interval_ms integer NOT NULL,
        started_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL
      )`,
    ],
  },
  {
    // The audit action of a change when its kind has several (a flag's promote, rollback,
    // guard rollback): every instance that applies the change records the action that happened.
    id: 3,
    name: 'audit action',
    sql: (t) => [
      `ALTER TABLE ${t('fleet_settings')} ADD COLUMN audit_action text`,
      `ALTER TABLE ${t('fleet_changes')} ADD COLUMN audit_action text`,
    ],
  },
];
