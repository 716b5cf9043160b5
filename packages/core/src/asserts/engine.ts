import type { AuditLog } from '../admin/audit.js';
import { InvalidSettingsError, UnknownNameError } from '../errors/index.js';
import type { SafeEmitter } from '../events/index.js';
import type { Logger } from '../util/logger.js';
import { parseAssertInput } from './options.js';
import { parseAssert, type Comparison } from './parse.js';
import { DISPLAY, compileSignal, thresholdInBaseUnit, type Reading } from './signals.js';
import type { WindowReader } from '../observe/index.js';
import type { SignalSources, Snapshot } from './sources.js';
import type { AssertEvents, AssertTransition, AssertView, Compiled } from './types.js';

/** Throws `InvalidSettingsError` for a name that cannot be an assert's (it becomes a path and a label). */
export function checkAssertName(name: string): void {
  if (!/^[\w.-]{1,64}$/.test(name)) throw new InvalidSettingsError('name', 'must be 1 to 64 letters, digits, "_", "-" or "."');
}

const COMPARE: Record<Comparison, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/**
 * The declared asserts of one instance, evaluated against the live signals on
 * a timer and on demand; a change between pass and fail emits an event.
 */
export class AssertEngine {
  readonly #asserts = new Map<string, Compiled>();
  readonly #sources: SignalSources;
  readonly #deps: { events: SafeEmitter<AssertEvents>; audit: AuditLog; logger: Logger };

  constructor(sources: SignalSources, deps: { events: SafeEmitter<AssertEvents>; audit: AuditLog; logger: Logger }) {
    this.#sources = sources;
    this.#deps = deps;
  }

  names(): string[] {
    return [...this.#asserts.keys()];
  }

  has(name: string): boolean {
    return this.#asserts.has(name);
  }

  /** Parses and resolves an assert; throws `InvalidSettingsError` naming `field` and the position. */
  compile(name: string, input: unknown, field: string): Compiled {
    const definition = parseAssertInput(input, field);
    const { expression } = definition;
    try {
      const parsed = parseAssert(expression);
      const signal = compileSignal(expression, parsed, this.#sources);
      const threshold = thresholdInBaseUnit(expression, parsed, signal.kind);
      const { unit } = DISPLAY[signal.kind];
      const view: AssertView = { name, ...definition, status: 'warn', observedValue: null, observedUnit: unit, samples: undefined, output: 'not evaluated yet', checkedAt: null };
      return { ...definition, signal, op: parsed.op, threshold, view };
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      const path = [field, typeof input === 'string' ? '' : 'expression'].filter((s) => s.length > 0).join('.');
      throw new InvalidSettingsError(path.length > 0 ? path : 'expression', detail);
    }
  }

  /** Adds or replaces an assert (validated first; an invalid one changes nothing). */
  set(name: string, input: unknown, actor = 'code'): AssertView {
    checkAssertName(name);
    const compiled = this.compile(name, input, '');
    const before = this.#definition(name);
    this.#asserts.set(name, compiled);
    const after = { expression: compiled.expression, minSamples: compiled.minSamples };
    this.#deps.audit.record({ actor, action: before === null ? 'assert.add' : 'assert.update', target: name, before, after });
    this.#deps.logger.info({ assert: name, actor, before, after }, 'ballast: assert set');
    return compiled.view;
  }

  remove(name: string, actor = 'code'): void {
    const before = this.#definition(name);
    if (before === null) throw new UnknownNameError('assert', name);
    this.#asserts.delete(name);
    this.#deps.audit.record({ actor, action: 'assert.remove', target: name, before, after: null });
    this.#deps.logger.info({ assert: name, actor, before }, 'ballast: assert removed');
  }

  /** Adds an already compiled assert at construction (no audit entry). */
  install(name: string, compiled: Compiled): void {
    this.#asserts.set(name, compiled);
  }

  /** Evaluates every assert now; emits `assert:failed` / `assert:recovered` on a change. */
  async evaluate(): Promise<AssertView[]> {
    const snapshot = await this.#snapshot(this.#asserts.values());
    const checkedAt = new Date().toISOString();
    const views: AssertView[] = [];
    for (const compiled of this.#asserts.values()) {
      this.#check(compiled, snapshot, checkedAt);
      views.push({ ...compiled.view });
    }
    return views;
  }

  #check(compiled: Compiled, snapshot: Snapshot, checkedAt: string): void {
    const view = compiled.view;
    judge(compiled, view, compiled.signal.read(this.#sources, snapshot), checkedAt);
    if (view.status === 'warn' || view.status === compiled.verdict) return;
    const previous = compiled.verdict;
    compiled.verdict = view.status;
    if (view.status === 'pass' && previous === undefined) return;
    const transition: AssertTransition = {
      name: view.name,
      expression: view.expression,
      observedValue: view.observedValue,
      observedUnit: view.observedUnit,
    };
    if (view.status === 'fail') {
      this.#deps.logger.warn(transition, 'ballast: assert failed');
      this.#deps.events.emit('assert:failed', transition);
    } else {
      this.#deps.logger.info(transition, 'ballast: assert recovered');
      this.#deps.events.emit('assert:recovered', transition);
    }
  }

  /**
   * Judges a compiled assert against `observer` instead of the sliding window (a
   * flag's guard reads only the requests since its change), without touching the
   * declared asserts or emitting their events.
   */
  async judgeWith(compiled: Compiled, observer: WindowReader): Promise<AssertView> {
    const snapshot = await this.#snapshot([compiled]);
    const view = { ...compiled.view };
    judge(compiled, view, compiled.signal.read({ ...this.#sources, observer }, snapshot), new Date().toISOString());
    return view;
  }

  /**
   * The I/O values the given asserts read, fetched once for all of them, and only
   * those some assert needs: the outbox's counts scan its table, which an
   * instance without an outbox assert must not pay for every second (a full scan
   * of a 1M-row backlog per evaluation).
   */
  async #snapshot(asserts: Iterable<Compiled>): Promise<Snapshot> {
    const { observer, outbox } = this.#sources;
    let needsConnections = false;
    let needsOutbox = false;
    for (const { signal } of asserts) {
      if (signal.needs === 'connections') needsConnections = true;
      else if (signal.needs === 'outbox') needsOutbox = true;
    }
    const [connections, pending] = await Promise.all([
      needsConnections && observer.watchingServers ? observer.connections() : undefined,
      needsOutbox ? outbox?.pending().catch(() => undefined) : undefined,
    ]);
    return { connections, outbox: pending };
  }

  #definition(name: string): { expression: string; minSamples: number } | null {
    const current = this.#asserts.get(name);
    return current === undefined ? null : { expression: current.expression, minSamples: current.minSamples };
  }
}

/** Sets `view`'s status, value and output from one reading. */
function judge(compiled: Compiled, view: AssertView, reading: Reading | undefined, checkedAt: string): void {
  const display = DISPLAY[compiled.signal.kind];
  view.checkedAt = checkedAt;
  view.samples = reading?.samples;
  view.observedValue = reading === undefined ? null : round(reading.value * display.factor);
  delete view.output;
  if (reading === undefined) {
    view.status = 'warn';
    view.output = 'no data yet';
  } else if (reading.samples !== undefined && reading.samples < compiled.minSamples) {
    view.status = 'warn';
    view.output = `${reading.samples} samples in the window, fewer than minSamples ${compiled.minSamples}`;
  } else {
    view.status = COMPARE[compiled.op](reading.value, compiled.threshold) ? 'pass' : 'fail';
  }
}

const round = (value: number): number => Math.round(value * 1000) / 1000;
