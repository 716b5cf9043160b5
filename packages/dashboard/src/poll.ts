import { useEffect, useRef, useState } from 'preact/hooks';
import { call } from './api.js';
import { History } from './history.js';
import { ok, type Overview } from './types.js';

/** One poll a second; the next starts only after the previous answered, so a slow server is never piled on. */
export const POLL_INTERVAL_MS = 1000;

export interface Live {
  overview: Overview | undefined;
  history: History;
  /** Why the last poll failed; `''` when it worked. */
  problem: string;
  /** Poll again now (after a change), without waiting for the next tick. */
  refresh(): void;
}

/**
 * Polls `GET /overview` once a second while the tab is visible and feeds the
 * charts' history. A 401 means the token was revoked: `onUnauthorized` is called.
 */
export function useLive(onUnauthorized: () => void): Live {
  const history = useRef(new History()).current;
  const [overview, setOverview] = useState<Overview | undefined>(undefined);
  const [problem, setProblem] = useState('');
  const wake = useRef<() => void>(() => undefined);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async (): Promise<void> => {
      clearTimeout(timer);
      if (stopped) return;
      if (document.visibilityState === 'visible') {
        try {
          const result = await call<Overview>('GET', 'overview');
          if (stopped) return;
          if (result.status === 401) return onUnauthorized();
          if (result.status === 200) {
            record(history, result.body);
            setOverview(result.body);
            setProblem('');
          } else setProblem(`The admin API answered ${result.status}`);
        } catch (error) {
          if (!stopped) setProblem(`Could not reach the admin API: ${String(error)}`);
        }
      }
      if (!stopped) timer = setTimeout(() => void tick(), POLL_INTERVAL_MS);
    };
    wake.current = () => void tick();
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, []);

  return { overview, history, problem, refresh: () => wake.current() };
}

/** Turns one overview into chart points: gauges as they are, counters as rates. */
function record(history: History, overview: Overview): void {
  const { at, sections } = overview;
  for (const limit of Object.values(ok(sections.limits)?.limits ?? {})) {
    history.gauge(`limit:${limit.name}:load`, at, [limit.stats.running, limit.stats.queued]);
    history.rate(`limit:${limit.name}:flow`, at, [limit.stats.admitted, limit.stats.shed]);
  }
  for (const dep of Object.values(ok(sections.dependencies)?.dependencies ?? {})) {
    const { window, latencyMs } = dep.stats;
    history.gauge(`dependency:${dep.name}:latency`, at, [latencyMs.p50, latencyMs.p99]);
    history.gauge(`dependency:${dep.name}:errors`, at, [window.calls === 0 ? 0 : window.failures / window.calls]);
  }
  for (const [name, d] of Object.entries(ok(sections.outbox)?.destinations ?? {})) {
      history.gauge(`outbox:${name}:backlog`, at, [d.pending, d.inFlight]);
      history.rate(`outbox:${name}:delivered`, at, [d.delivered]);
  }
}
