import { describe, expect, it } from 'vitest';
import { BreakerMachine, DEPENDENCY_DEFAULTS, type BreakerStateName, type Ticket } from '@ballast/core';

const settings = (overrides: Partial<typeof DEPENDENCY_DEFAULTS> = {}) => ({
  ...DEPENDENCY_DEFAULTS,
  volumeThreshold: 4,
  errorThresholdPercentage: 50,
  resetTimeoutMs: 1000,
  rollingWindowMs: 10_000,
  rollingBuckets: 10,
  ...overrides,
});

/** A machine driven by an explicit clock, recording its transitions. */
function machine(overrides: Partial<typeof DEPENDENCY_DEFAULTS> = {}) {
  const clock = { now: 0 };
  const transitions: string[] = [];
  const m = new BreakerMachine(settings(overrides), clock.now, (from, to, reason) => transitions.push(`${from}>${to}:${reason}`));
  const admit = (): Ticket => {
    const ticket = m.admit(clock.now);
    if (ticket === undefined) throw new Error('expected the call to be admitted');
    return ticket;
  };
  const state = (): BreakerStateName => m.state(clock.now).kind;
  const trip = (): void => {
    const tickets = [admit(), admit(), admit(), admit()];
    for (const t of tickets) m.report(t, false, clock.now);
  };
  return { m, clock, transitions, admit, state, trip };
}

describe('breaker state machine', () => {
  it('opens once the window holds volumeThreshold calls at or above the error percentage', () => {
    const { m, clock, admit, state } = machine();
    m.report(admit(), true, clock.now);
    m.report(admit(), false, clock.now);
    m.report(admit(), true, clock.now);
    expect(state()).toBe('closed');
    m.report(admit(), false, clock.now);
    expect(state()).toBe('open');
    expect(m.admit(clock.now)).toBeUndefined();
  });

  it('goes half-open after resetTimeoutMs even when concurrent failures kept arriving after it opened', () => {
    const { m, clock, admit, state, transitions } = machine();
    const inFlight = Array.from({ length: 10 }, () => admit());
    clock.now = 50;
    for (const t of inFlight) m.report(t, false, clock.now); // the 4th opens it; 6 more fail while open
    expect(state()).toBe('open');
    clock.now = 50 + 999;
    expect(state()).toBe('open');
    clock.now = 50 + 1000;
    expect(state()).toBe('half-open');
    expect(transitions).toEqual(['closed>open:threshold', 'open>half-open:reset_timeout']);
  });

  it('reopens on a failed probe even when the window is below volumeThreshold, then closes on a later good probe', () => {
    const { m, clock, admit, state, trip } = machine({ volumeThreshold: 4 });
    trip();
    clock.now += 60_000; // the rolling window is long empty: a volume check would never pass
    expect(m.window(clock.now).calls).toBe(0);
    const probe = admit();
    expect(probe.probe).toBe(true);
    m.report(probe, false, clock.now);
    expect(state()).toBe('open');
    clock.now += 1000;
    m.report(admit(), true, clock.now);
    expect(state()).toBe('closed');
  });

  it('does not trip on a single failure after an idle period', () => {
    const { m, clock, admit, state } = machine({ volumeThreshold: 4 });
    for (let i = 0; i < 3; i++) m.report(admit(), false, clock.now); // 3 failures: just under the volume
    clock.now += 10_001; // idle longer than the window
    m.report(admit(), false, clock.now);
    expect(state()).toBe('closed');
    expect(m.window(clock.now)).toEqual({ calls: 1, failures: 1 });
  });

  it('keeps failures from different buckets of the same window together', () => {
    const { m, clock, admit, state } = machine({ volumeThreshold: 4 });
    for (let i = 0; i < 3; i++) {
      m.report(admit(), false, clock.now);
      clock.now += 2000;
    }
    m.report(admit(), false, clock.now);
    expect(state()).toBe('open');
  });

  it('lets exactly halfOpenMaxProbes calls through while half-open and closes when all of them succeed', () => {
    const { m, clock, admit, state, trip } = machine({ halfOpenMaxProbes: 3 });
    trip();
    clock.now += 1000;
    const admitted = Array.from({ length: 20 }, () => m.admit(clock.now)).filter((t) => t !== undefined);
    expect(admitted).toHaveLength(3);
    m.report(admitted[0]!, true, clock.now);
    m.report(admitted[1]!, true, clock.now);
    expect(state()).toBe('half-open');
    expect(m.admit(clock.now)).toBeUndefined();
    m.report(admitted[2]!, true, clock.now);
    expect(state()).toBe('closed');
    expect(admit().probe).toBe(false);
  });

  it('ignores late outcomes of calls admitted before the breaker opened', () => {
    const { m, clock, admit, state, trip } = machine();
    const slow = [admit(), admit()];
    trip();
    clock.now += 1000;
    const probe = admit();
    m.report(slow[0]!, true, clock.now); // a late success must not close it
    expect(state()).toBe('half-open');
    m.report(slow[1]!, false, clock.now); // nor a late failure reopen it
    expect(state()).toBe('half-open');
    m.report(probe, true, clock.now);
    expect(state()).toBe('closed');
  });

  it('starts a closed period from an empty window, so one failure after recovery does not reopen it', () => {
    const { m, clock, admit, state, trip } = machine();
    trip();
    clock.now += 1000;
    m.report(admit(), true, clock.now);
    m.report(admit(), false, clock.now);
    expect(state()).toBe('closed');
  });

  it('forces open and closed, and resumes from closed when released', () => {
    const { m, clock, admit, state, transitions } = machine();
    m.configure(settings({ force: 'open' }), clock.now);
    clock.now += 1_000_000;
    expect(state()).toBe('open');
    m.configure(settings({ force: 'closed' }), clock.now);
    for (let i = 0; i < 10; i++) m.report(admit(), false, clock.now);
    expect(state()).toBe('closed');
    m.configure(settings({ force: null }), clock.now);
    expect(state()).toBe('closed');
    expect(transitions).toEqual(['closed>open:forced', 'open>closed:forced']);
  });

  it('moves a pending half-open time when resetTimeoutMs is retuned, keeping the open state', () => {
    const { m, clock, state, trip } = machine({ resetTimeoutMs: 60_000 });
    trip();
    m.configure(settings({ resetTimeoutMs: 100 }), clock.now);
    expect(state()).toBe('open');
    clock.now += 100;
    expect(state()).toBe('half-open');
  });
});
