import { BreakerMachine, type Ticket } from '../dependencies/index.js';
import type { Broker, BrokerType } from './broker.js';

/** Breaker settings per broker: a broker failing half its recent publishes is skipped for a few seconds. */
const BREAKER = {
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  resetTimeoutMs: 3000,
  rollingWindowMs: 10_000,
  rollingBuckets: 10,
  halfOpenMaxProbes: 1,
  force: null,
} as const;

/** Weight of the newest confirm latency in the moving average. */
const EWMA_ALPHA = 0.2;

export type BrokerState = 'up' | 'down' | 'draining';

/** One broker as `GET /brokers` shows it. */
export interface BrokerView {
  type: BrokerType;
  state: BrokerState;
  published: number;
  consumed: number;
  lastError: string | null;
}

/** A broker with what the publisher knows of it: its breaker, recent confirm latency, drain flag and counters. */
export class BrokerSlot {
  readonly broker: Broker;
  readonly #machine: BreakerMachine;
  #latencyMs = 0;
  drained = false;
  published = 0;
  consumed = 0;

  constructor(broker: Broker) {
    this.broker = broker;
    this.#machine = new BreakerMachine(BREAKER, Date.now());
  }

  get name(): string {
    return this.broker.name;
  }

  /** Recent confirm latency (exponentially weighted). */
  get latencyMs(): number {
    return this.#latencyMs;
  }

  get state(): BrokerState {
    if (this.drained) return 'draining';
    return this.broker.connected ? 'up' : 'down';
  }

  /** Rank for choosing: lower is better; `undefined` when it must not be chosen now. */
  rank(now: number): number | undefined {
    if (this.drained || !this.broker.connected) return undefined;
    const state = this.#machine.state(now);
    if (state.kind === 'open') return undefined;
    // A half-open broker is tried only after every closed one.
    return (state.kind === 'half-open' ? 1e9 : 0) + this.#latencyMs;
  }

  admit(now: number): Ticket | undefined {
    return this.#machine.admit(now);
  }

  confirmed(ticket: Ticket, latencyMs: number, now: number): void {
    this.#machine.report(ticket, true, now);
    this.#latencyMs = this.published === 0 ? latencyMs : this.#latencyMs + EWMA_ALPHA * (latencyMs - this.#latencyMs);
    this.published++;
  }

  failed(ticket: Ticket, now: number, error: string): void {
    this.#machine.report(ticket, false, now);
    this.broker.lastError = error;
  }

  view(): BrokerView {
    return { type: this.broker.type, state: this.state, published: this.published, consumed: this.consumed, lastError: this.broker.lastError ?? null };
  }
}
