import { AssertSyntaxError, type ParsedAssert, type Unit } from './parse.js';
import type { SignalReads, SignalSources, Snapshot } from './sources.js';

/** What a signal measures decides which units its threshold may carry. */
export type SignalKind = 'duration' | 'ratio' | 'rate' | 'count';

/** One reading: `samples` is how many requests it rests on, when that matters. */
export interface Reading {
  value: number;
  samples?: number;
}

export interface CompiledSignal {
  kind: SignalKind;
  /**
   * The part of the snapshot the signal reads, if any: an evaluation fetches it
   * only when some assert needs it (the outbox's counts scan its table).
   */
  needs?: keyof Snapshot;
  /** `undefined` when there is no data at all. */
  read(sources: SignalReads, snapshot: Snapshot): Reading | undefined;
}

const QUANTILE = /^p(\d{2,4})$/;

/** Units each kind accepts, with the factor to its base unit (ms, fraction, per second, plain). */
const UNIT_FACTORS: Record<SignalKind, Partial<Record<Unit | 'none', number>>> = {
  duration: { none: 1, ms: 1, s: 1000 },
  ratio: { none: 1, '%': 0.01 },
  rate: { none: 1, '/s': 1 },
  count: { none: 1 },
};

/** How observed values are shown: base value times factor, in this unit. */
export const DISPLAY: Record<SignalKind, { unit: string | undefined; factor: number }> = {
  duration: { unit: 'ms', factor: 1 },
  ratio: { unit: '%', factor: 100 },
  rate: { unit: '/s', factor: 1 },
  count: { unit: undefined, factor: 1 },
};

/** Converts the threshold to the signal's base unit, or throws naming the unit's position. */
export function thresholdInBaseUnit(expression: string, parsed: ParsedAssert, kind: SignalKind): number {
  const factor = UNIT_FACTORS[kind][parsed.unit ?? 'none'];
  if (factor === undefined) {
    const allowed = Object.keys(UNIT_FACTORS[kind]).filter((u) => u !== 'none');
    const hint = allowed.length === 0 ? 'takes a plain number' : `takes ${allowed.join(' or ')}`;
    throw new AssertSyntaxError(expression, parsed.unitPosition, `unit "${parsed.unit}" does not fit: ${parsed.signal} ${hint}`);
  }
  const threshold = parsed.threshold * factor;
  if (!Number.isFinite(threshold)) throw new AssertSyntaxError(expression, parsed.unitPosition, 'the threshold must be a finite number');
  return threshold;
}

/** Resolves a parsed assert to a signal; unknown names throw naming the position. */
export function compileSignal(expression: string, parsed: ParsedAssert, sources: SignalSources): CompiledSignal {
  const { signal, args, argPositions } = parsed;
  const fail = (detail: string, at = 0): never => {
    throw new AssertSyntaxError(expression, at, detail);
  };
  const arity = (min: number, max: number, usage: string): void => {
    if (args.length < min || args.length > max) fail(`${signal} takes ${usage}`, argPositions[0] ?? 0);
  };
  const named = (kind: string, exists: (name: string) => boolean): string => {
    arity(1, 1, `one ${kind} name, e.g. ${signal}(name)`);
    const name = args[0] as string;
    if (!exists(name)) fail(`unknown ${kind} "${name}"`, argPositions[0]);
    return name;
  };
  const route = (index: number): string | undefined => args[index];

  const quantile = QUANTILE.exec(signal);
  if (quantile !== null) {
    arity(1, 2, '(latency) or (latency, <route>)');
    if (args[0] !== 'latency') fail(`${signal} applies to latency`, argPositions[0]);
    const q = Number(`0.${quantile[1]}`);
    const r = route(1);
    return {
      kind: 'duration',
      read: ({ observer }) => {
        const histogram = observer.windowHistogram(r);
        const us = histogram.quantile(q);
        return us === undefined ? undefined : { value: us / 1000, samples: histogram.count };
      },
    };
  }

  switch (signal) {
    case 'rate': {
      arity(1, 2, '(requests) or (requests, <route>)');
      if (args[0] !== 'requests') fail('rate applies to requests', argPositions[0]);
      const r = route(1);
      return {
        kind: 'rate',
        read: ({ observer }) =>
          observer.active ? { value: observer.windowHistogram(r).count / observer.windowSeconds() } : undefined,
      };
    }
    case 'error_rate': {
      arity(0, 1, 'no argument or one route');
      const r = route(0);
      return {
        kind: 'ratio',
        read: ({ observer }) => {
          const total = observer.windowHistogram(r).count;
          return total === 0 ? undefined : { value: observer.windowErrors(r) / total, samples: total };
        },
      };
    }
    case 'active_connections':
      arity(0, 0, 'no argument');
      return { kind: 'count', needs: 'connections', read: (_s, snap) => (snap.connections === undefined ? undefined : { value: snap.connections }) };
    case 'in_flight':
      arity(0, 0, 'no argument');
      return { kind: 'count', read: ({ observer }) => (observer.active || observer.inFlight > 0 ? { value: observer.inFlight } : undefined) };
    case 'running':
    case 'queued': {
      const name = named('limit', (n) => sources.limits.has(n));
      const field = signal;
      return { kind: 'count', read: ({ limits }) => ({ value: limits.get(name)[field] }) };
    }
    case 'shed_rate': {
      const name = named('limit', (n) => sources.limits.has(n));
      return {
        kind: 'ratio',
        read: ({ limitWindow }) => {
          const { admitted, shed } = limitWindow.delta(name);
          const total = admitted + shed;
          return total === 0 ? undefined : { value: shed / total, samples: total };
        },
      };
    }
    case 'open': {
      const name = named('dependency', (n) => sources.breakers?.has(n) === true);
      return { kind: 'count', read: ({ breakers }) => (breakers === undefined ? undefined : { value: breakers.isOpen(name) ? 1 : 0 }) };
    }
    case 'pending':
    case 'oldest_age': {
      const name = named('outbox destination', (n) => sources.outbox?.has(n) === true);
      const field = signal;
      return {
        kind: field === 'pending' ? 'count' : 'duration',
        needs: 'outbox',
        read: (_s, snap) => {
          const stats = snap.outbox?.[name];
          if (stats === undefined) return undefined;
          return { value: field === 'pending' ? stats.pending : (stats.oldestAgeMs ?? 0) };
        },
      };
    }
    default:
      return fail(
        `unknown signal "${signal}" (known: p50/p90/p99/p999(latency), rate(requests), error_rate, active_connections, in_flight, shed_rate, running, queued, open, pending, oldest_age)`,
      );
  }
}
