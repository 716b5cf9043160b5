/** The parts of the admin API's answers (`GET /overview`) that the page reads. */

export interface LimitSettings {
  maxConcurrent: number;
  maxQueue: number;
  queueTimeoutMs: number;
  ratePerSecond: number | null;
  burst: number | null;
}

export interface LimitView {
  name: string;
  settings: LimitSettings;
  version: number;
  stats: { running: number; queued: number; admitted: number; shed: number; shedByReason?: Record<string, number> };
}

export interface DependencyView {
  name: string;
  state: string;
  settings: { force?: string | null };
  stats: {
    calls: number;
    failures: number;
    timeouts: number;
    rejected: number;
    window: { calls: number; failures: number };
    latencyMs: { mean: number; p50: number; p99: number };
  };
}

export interface DestinationView {
  pending: number;
  inFlight: number;
  dead: number;
  oldestPendingAgeMs: number;
  delivered: number;
  paused: boolean;
  breaker?: string;
}

export interface DeadMessage {
  id: string;
  destination: string;
  key?: string;
  attempts: number;
  lastError?: string;
  deadAt?: string;
}

export interface AssertView {
  name: string;
  expression: string;
  status: 'pass' | 'warn' | 'fail';
  observedValue: number | null;
  observedUnit?: string;
  output?: string;
}

export interface FlagView {
  name: string;
  state: { stage: string; percent?: number };
  version: number;
  evaluations?: Record<string, { on: number; off: number }>;
}

export interface BrokerView {
  type: string;
  state: 'up' | 'down' | 'draining';
  published: number;
  consumed: number;
  lastError?: string | null;
}

export interface InstanceView {
  id: string;
  stage: string;
  appVersion?: string | null;
  startedAt?: string;
  lastSeenAt?: string;
  health?: string;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  before: unknown;
  after: unknown;
}

/** A section the server could not read shows this instead of its data. */
export interface SectionError {
  error: { status: number; body: { message?: string } | null };
}

/** A section's data, or why the server could not read it. */
export type Part<T> = T | SectionError;

/** `GET /overview`: every section this instance has; absent ones are hidden. */
export interface Overview {
  at: number;
  sections: {
    limits?: Part<{ limits: Record<string, LimitView> }>;
    dependencies?: Part<{ dependencies: Record<string, DependencyView> }>;
    outbox?: Part<{ destinations: Record<string, DestinationView> }>;
    dead?: Part<{ dead: DeadMessage[] }>;
    asserts?: Part<{ asserts: Record<string, AssertView> }>;
    flags?: Part<{ flags: Record<string, FlagView> }>;
    brokers?: Part<{ brokers: Record<string, BrokerView> }>;
    fleet?: Part<Record<string, unknown>>;
    instances?: Part<{ instances: InstanceView[] }>;
    audit?: Part<{ entries: AuditEntry[] }>;
  };
}

export type Role = 'read' | 'write';

export const isSectionError = (value: unknown): value is SectionError =>
  typeof value === 'object' && value !== null && 'error' in value && typeof (value as SectionError).error === 'object';

/** The section's data; `undefined` when it is absent or could not be read. */
export const ok = <T>(value: Part<T> | undefined): T | undefined => (value === undefined || isSectionError(value) ? undefined : value);
