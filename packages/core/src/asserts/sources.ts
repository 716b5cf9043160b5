import type { LimitRegistry } from '../limits/index.js';
import type { HttpObserver, WindowReader } from '../observe/index.js';
import type { LimitWindow } from './limitWindow.js';

/** Circuit breakers as the asserts see them (implemented by the dependencies module). */
export interface BreakerSource {
  names(): string[];
  has(name: string): boolean;
  /** Whether reads of this dependency have something to serve while it is open (a fallback or cache). */
  hasFallback(name: string): boolean;
  /** Whether calls are being refused right now (open; half-open probing counts as closed). */
  isOpen(name: string): boolean;
}

/** Outbox stats as the asserts see them (implemented by the outbox module). */
export interface OutboxSource {
  has(destination: string): boolean;
  /** Per destination: messages waiting and the age of the oldest one, in milliseconds. */
  pending(): Promise<Record<string, { pending: number; oldestAgeMs: number | null }>>;
}

/** Everything a signal may read; gathered once per evaluation. */
export interface SignalSources {
  observer: HttpObserver;
  limits: LimitRegistry;
  limitWindow: LimitWindow;
  breakers?: BreakerSource | undefined;
  outbox?: OutboxSource | undefined;
}

/** What a signal reads: the sources, with the HTTP window swappable (a guard reads only samples after its change). */
export type SignalReads = Omit<SignalSources, 'observer'> & { observer: WindowReader };

/** Values that need I/O, fetched once per evaluation and shared by every assert. */
export interface Snapshot {
  connections: number | undefined;
  outbox: Record<string, { pending: number; oldestAgeMs: number | null }> | undefined;
}
