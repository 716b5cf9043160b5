import type { BreakerForce, DependencySettings } from './settings.js';
import { RollingWindow } from './window.js';

/**
 * The breaker's state. Every transition starts a new `generation`; a call's
 * outcome counts only if it was admitted in the current generation, so a slow
 * call started before the breaker opened can neither close it (its late success)
 * nor reopen it (its late failure) while probes are deciding.
 */
export type BreakerState =
  | { readonly kind: 'closed'; readonly generation: number }
  | { readonly kind: 'open'; readonly generation: number; readonly openedAt: number; readonly halfOpenAt: number }
  | { readonly kind: 'half-open'; readonly generation: number; admitted: number; succeeded: number };

export type BreakerStateName = BreakerState['kind'];

/** Why a transition happened, for events and logs. */
export type TransitionReason = 'threshold' | 'probe_failed' | 'probe_succeeded' | 'reset_timeout' | 'forced' | 'released';

/** A call let through by `admit`; hand it back to `report` with the outcome. */
export interface Ticket {
  readonly generation: number;
  /** The call is one of the half-open probes. */
  readonly probe: boolean;
}

export type MachineSettings = Pick<
  DependencySettings,
  'errorThresholdPercentage' | 'volumeThreshold' | 'resetTimeoutMs' | 'rollingWindowMs' | 'rollingBuckets' | 'halfOpenMaxProbes' | 'force'
> & {
  /**
   * Probe backoff: when set, the first half-open comes this long after opening, and each failed
   * probe doubles the wait, up to `resetTimeoutMs`. Without it every wait is `resetTimeoutMs`.
   */
  firstProbeMs?: number;
};

/** The rolling window's totals when a transition happens (the closed period's, for an opening). */
export interface WindowTotals {
  calls: number;
  failures: number;
}

export type TransitionListener = (from: BreakerStateName, to: BreakerStateName, reason: TransitionReason, window: WindowTotals) => void;

/**
 * The pure breaker state machine: no timers, no I/O, time passed in by the caller.
 * Open turns half-open lazily, the first time anyone looks after `resetTimeoutMs`,
 * so there is no reset timer that concurrent failures could cancel or restart.
 */
export class BreakerMachine {
  #state: BreakerState = { kind: 'closed', generation: 0 };
  #settings: MachineSettings;
  #window: RollingWindow;
  /** Probes failed in a row since the breaker last closed (drives the probe backoff). */
  #failedProbes = 0;
  readonly #onTransition: TransitionListener;

  constructor(settings: MachineSettings, now: number, onTransition: TransitionListener = () => {}) {
    this.#settings = settings;
    this.#window = new RollingWindow(settings.rollingWindowMs, settings.rollingBuckets, now);
    this.#onTransition = onTransition;
    if (settings.force === 'open') this.#to({ kind: 'open', generation: 1, openedAt: now, halfOpenAt: Infinity }, 'forced', now);
  }

  /** The current state, after moving open to half-open when its time has come. */
  state(now: number): BreakerState {
    const s = this.#state;
    if (s.kind === 'open' && now >= s.halfOpenAt) {
      this.#to({ kind: 'half-open', generation: s.generation + 1, admitted: 0, succeeded: 0 }, 'reset_timeout', now);
    }
    return this.#state;
  }

  /** Outcomes in the current closed period's rolling window. */
  window(now: number): WindowTotals {
    this.#window.rotate(now);
    return { calls: this.#window.calls, failures: this.#window.failures };
  }

  /** Lets a call through (a `Ticket`) or refuses it (`undefined`: fail fast). */
  admit(now: number): Ticket | undefined {
    const s = this.state(now);
    switch (s.kind) {
      case 'closed':
        return { generation: s.generation, probe: false };
      case 'open':
        return undefined;
      case 'half-open':
        if (s.admitted >= this.#settings.halfOpenMaxProbes) return undefined;
        s.admitted++;
        return { generation: s.generation, probe: true };
    }
  }

  /**
   * Records the outcome of an admitted call. `ok` is false for failures and timeouts.
   * `retryAfterMs`: the callee said when to come back (429/503 with Retry-After); a failed probe waits exactly that.
   */
  report(ticket: Ticket, ok: boolean, now: number, retryAfterMs?: number): void {
    const s = this.state(now);
    if (ticket.generation !== s.generation) return;
    switch (s.kind) {
      case 'closed':
        this.#window.record(ok, now);
        if (!ok && this.#settings.force !== 'closed' && this.#tripped()) this.#open(now, 'threshold');
        return;
      case 'half-open':
        if (!ok) this.#open(now, 'probe_failed', retryAfterMs);
        else if (++s.succeeded >= this.#settings.halfOpenMaxProbes) this.#close(now, 'probe_succeeded');
        return;
      case 'open':
        return;
    }
  }

  /** Applies new settings without losing the state; a changed reset timeout moves a pending half-open time. */
  configure(settings: MachineSettings, now: number): void {
    const before = this.#settings;
    this.#settings = settings;
    if (before.rollingWindowMs !== settings.rollingWindowMs || before.rollingBuckets !== settings.rollingBuckets) {
      this.#window = this.#window.resized(settings.rollingWindowMs, settings.rollingBuckets, now);
    }
    if (before.force !== settings.force) this.#applyForce(settings.force, now);
    else {
      const s = this.#state;
      if (s.kind === 'open' && Number.isFinite(s.halfOpenAt) && before.resetTimeoutMs !== settings.resetTimeoutMs) {
        this.#state = { ...s, halfOpenAt: s.openedAt + settings.resetTimeoutMs };
      }
    }
  }

  #applyForce(force: BreakerForce, now: number): void {
    const s = this.#state;
    if (force === 'open') {
      this.#to({ kind: 'open', generation: s.generation + 1, openedAt: now, halfOpenAt: Infinity }, 'forced', now);
    } else if (force === 'closed') {
      if (s.kind !== 'closed') this.#close(now, 'forced');
    } else if (s.kind === 'open') {
      this.#close(now, 'released');
    }
  }

  #tripped(): boolean {
    const { calls, failures } = this.#window;
    return calls >= this.#settings.volumeThreshold && failures * 100 >= this.#settings.errorThresholdPercentage * calls;
  }

  #open(now: number, reason: TransitionReason, retryAfterMs?: number): void {
    const { firstProbeMs, resetTimeoutMs } = this.#settings;
    if (reason === 'probe_failed') this.#failedProbes++;
    const backoffMs = firstProbeMs === undefined ? resetTimeoutMs : Math.min(firstProbeMs * 2 ** this.#failedProbes, resetTimeoutMs);
    const halfOpenAt = now + (retryAfterMs ?? backoffMs);
    this.#to({ kind: 'open', generation: this.#state.generation + 1, openedAt: now, halfOpenAt }, reason, now);
  }

  #close(now: number, reason: TransitionReason): void {
    this.#window.reset(now);
    this.#failedProbes = 0;
    this.#to({ kind: 'closed', generation: this.#state.generation + 1 }, reason, now);
  }

  #to(next: BreakerState, reason: TransitionReason, now: number): void {
    const from = this.#state.kind;
    this.#state = next;
    if (from !== next.kind) this.#onTransition(from, next.kind, reason, this.window(now));
  }
}
