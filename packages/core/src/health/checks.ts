import type { AssertMonitor, AssertStatus } from '../asserts/index.js';
import type { BreakerSource } from '../asserts/index.js';

/** One entry of a `checks` array (draft-inadarsh-netapp-api-health-check). */
export interface HealthCheck {
  componentType: 'assert' | 'dependency' | 'datastore' | 'system' | 'flag';
  status: AssertStatus;
  observedValue?: number | null;
  observedUnit?: string;
  output?: string;
  time: string;
}

export interface HealthReport {
  status: AssertStatus;
  checks: Record<string, HealthCheck[]>;
}

/** Flags whose guard stepped them back (implemented by the flags module). */
export interface RolledBackSource {
  rolledBack(): Record<string, { guard: string; at: string; observedValue: number | null; observedUnit: string | undefined; from: { stage: string; percent: number }; to: { stage: string; percent: number } }>;
}

export interface HealthSources {
  asserts: AssertMonitor;
  flags?: RolledBackSource | undefined;
  breakers?: BreakerSource | undefined;
  /** The outbox database as readiness sees it: reachable or not. Never its counts, which scan the table. */
  outbox?: { ping(): Promise<void> } | undefined;
  brokers?: BrokerHealthSource | undefined;
}

/** Brokers as health sees them: a broker that is down warns (publishes go to the others; the outbox buffers). */
export interface BrokerHealthSource {
  views(): Record<string, { state: 'up' | 'down' | 'draining'; lastError: string | null }>;
}

const WORST: Record<AssertStatus, number> = { pass: 0, warn: 1, fail: 2 };

/** The overall status is the worst of the checks. */
export function worstOf(checks: Record<string, HealthCheck[]>): AssertStatus {
  let worst: AssertStatus = 'pass';
  for (const list of Object.values(checks)) for (const check of list) if (WORST[check.status] > WORST[worst]) worst = check.status;
  return worst;
}

/**
 * Readiness: the asserts, every open breaker (failing when nothing stands in
 * for the dependency), and the outbox database. The process's own liveness is
 * deliberately not part of it, and none of this belongs in `/livez`.
 */
export async function readiness(sources: HealthSources): Promise<HealthReport> {
  const time = new Date().toISOString();
  const checks: Record<string, HealthCheck[]> = {};
  for (const view of await sources.asserts.evaluate()) {
    checks[`assert:${view.name}`] = [
      {
        componentType: 'assert',
        status: view.status,
        observedValue: view.observedValue,
        ...(view.observedUnit === undefined ? {} : { observedUnit: view.observedUnit }),
        output: view.output ?? view.expression,
        time,
      },
    ];
  }
  const breakers = sources.breakers;
  if (breakers !== undefined) {
    for (const name of breakers.names()) {
      if (!breakers.isOpen(name)) continue;
      const fallback = breakers.hasFallback(name);
      checks[`dependency:${name}`] = [
        {
          componentType: 'dependency',
          status: fallback ? 'warn' : 'fail',
          output: fallback ? 'breaker open; reads are served by the fallback' : 'breaker open and no fallback',
          time,
        },
      ];
    }
  }
  // A guard's rollback is a warning until someone changes the flag again: the rollout needs a look.
  for (const [name, r] of Object.entries(sources.flags?.rolledBack() ?? {})) {
    const from = `${r.from.stage} ${r.from.percent}`;
    const to = `${r.to.stage} ${r.to.percent}`;
    checks[`flag:${name}`] = [
      {
        componentType: 'flag',
        status: 'warn',
        observedValue: r.observedValue,
        ...(r.observedUnit === undefined ? {} : { observedUnit: r.observedUnit }),
        output: `rolled back by its guard "${r.guard}" at ${r.at}: ${from} -> ${to}`,
        time,
      },
    ];
  }
  if (sources.outbox !== undefined) {
    const status = await sources.outbox.ping().then(
      () => 'pass' as const,
      () => 'fail' as const,
    );
    checks['outbox:database'] = [{ componentType: 'datastore', status, ...(status === 'fail' ? { output: 'outbox database unreachable' } : {}), time }];
  }
  for (const [name, view] of Object.entries(sources.brokers?.views() ?? {})) {
    const output = view.state === 'down' ? `down${view.lastError === null ? '' : `: ${view.lastError}`}` : view.state;
    checks[`broker:${name}`] = [{ componentType: 'datastore', status: view.state === 'down' ? 'warn' : 'pass', output, time }];
  }
  return { status: worstOf(checks), checks };
}
