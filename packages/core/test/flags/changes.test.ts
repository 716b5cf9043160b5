import { describe, expect, it } from 'vitest';
import { createBallast, isFlagStepError, isVersionConflictError, type BallastEvents } from '@ballast/core';

describe('flag changes', () => {
  it('promotes and rolls back through the default steps, 409-style errors past either end', () => {
    const ballast = createBallast({ flags: { f: { stage: 'internal' } } });
    const seen: string[] = [];
    for (;;) {
      try {
        const { state } = ballast.flags.promote('f', { actor: 'ops' });
        seen.push(`${state.stage} ${state.percent}`);
      } catch (error) {
        expect(isFlagStepError(error)).toBe(true);
        break;
      }
    }
    expect(seen).toEqual(['beta 10', 'beta 100', 'all 10', 'all 50', 'all 100']);
    ballast.flags.set('f', { stage: 'beta', percent: 50 });
    expect(ballast.flags.rollback('f').state).toEqual({ stage: 'beta', percent: 10 });
    expect(ballast.flags.rollback('f').state).toEqual({ stage: 'internal', percent: 100 });
    expect(() => ballast.flags.rollback('f')).toThrow(/no step narrower/);
  });

  it('audits and emits every change; a change that changes nothing keeps version and audit', () => {
    const ballast = createBallast({ flags: { f: { stage: 'internal' } } });
    const events: BallastEvents['flag:changed'][] = [];
    ballast.events.on('flag:changed', (e) => events.push(e));
    const view = ballast.flags.set('f', { stage: 'beta', percent: 10 }, { actor: 'ops' });
    expect(view).toMatchObject({ state: { stage: 'beta', percent: 10 }, version: 2, source: 'override' });
    expect(ballast.flags.set('f', { percent: 10 }, { actor: 'ops' }).version).toBe(2);
    expect(events).toEqual([{ name: 'f', before: { stage: 'internal', percent: 100 }, after: { stage: 'beta', percent: 10 }, version: 2, actor: 'ops', action: 'flag.update' }]);
    expect(ballast.audit.recent().filter((e) => e.target === 'f')).toHaveLength(1);
    let stale: unknown;
    try {
      ballast.flags.set('f', { percent: 20 }, { ifVersion: 1 });
    } catch (error) {
      stale = error;
    }
    expect(isVersionConflictError(stale)).toBe(true);
    expect(ballast.flags.state('f')).toEqual({ stage: 'beta', percent: 10 });
    expect(ballast.flags.revert('f')).toMatchObject({ state: { stage: 'internal', percent: 100 }, source: 'code', version: 3 });
  });

  it('a guard rollback reports what its own guard saw, never a value left over from a guard that lost to another change', () => {
    const ballast = createBallast({ flags: { f: { stage: 'internal', guard: 'p99(latency) < 50ms' } } });
    // This guard failed and saw 120 ms, but an operator changed the flag before its step back landed.
    ballast.flags.guards.noteObserved('f', { observedValue: 120, observedUnit: 'ms' });
    ballast.flags.set('f', { stage: 'beta', percent: 10 }, { actor: 'ops' });
    // Later another instance's guard rolls back (this one saw nothing of it).
    ballast.flags.set('f', { stage: 'internal', percent: 100 }, { actor: 'guard' }, 'flag.guard-rollback');
    expect(ballast.flags.view('f').guard?.lastRollback).toMatchObject({ observedValue: null });
  });

  it('turns a flag off and back on', () => {
    const ballast = createBallast({ flags: { f: { stage: 'all' } } });
    ballast.flags.set('f', { stage: 'off' });
    expect(ballast.flags.enabled('f', { stage: 'internal' })).toBe(false);
    expect(ballast.flags.promote('f').state).toEqual({ stage: 'internal', percent: 100 });
  });
});
