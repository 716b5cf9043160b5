import { ActionError, Cards } from './Table.js';
import { useAction } from '../action.js';
import { Trend } from '../Chart.js';
import { ms, percent } from '../format.js';
import type { History } from '../history.js';
import type { DependencyView } from '../types.js';

const FORCES: { force: 'open' | 'closed' | null; label: string }[] = [
  { force: 'open', label: 'Force open' },
  { force: 'closed', label: 'Force closed' },
  { force: null, label: 'Clear force' },
];

function Dependency({ dep, history, canWrite, refresh }: { dep: DependencyView; history: History; canWrite: boolean; refresh: () => void }) {
  const [state, run] = useAction(refresh);
  const { window, latencyMs } = dep.stats;
  const errorShare = window.calls === 0 ? 0 : window.failures / window.calls;
  const force = dep.settings.force ?? null;
  return (
    <article class="card">
      <h3>{dep.name}</h3>
      <p>
        Breaker <span class={`badge state-${dep.state}`}>{dep.state}</span>
        {force !== null && <span class="badge forced">forced {force}</span>} · calls <strong>{dep.stats.calls}</strong> · rejected{' '}
        <strong>{dep.stats.rejected}</strong> · timeouts <strong>{dep.stats.timeouts}</strong>
      </p>
      <div class="trends">
        <Trend title="Error share (rolling window)" data={history.data(`dependency:${dep.name}:errors`)} labels={['errors']} values={[errorShare]} format={percent} />
        <Trend title="Latency" data={history.data(`dependency:${dep.name}:latency`)} labels={['p50', 'p99']} values={[latencyMs.p50, latencyMs.p99]} format={ms} />
      </div>
      {canWrite && (
        <div class="actions" role="group" aria-label={`Breaker override of ${dep.name}`}>
          {FORCES.map((f) => (
            <button
              type="button"
              class="secondary"
              key={f.label}
              disabled={state.busy || force === f.force}
              onClick={() => void run('PATCH', `dependencies/${encodeURIComponent(dep.name)}`, { force: f.force })}
            >
              {f.label}
            </button>
          ))}
          <ActionError error={state.error} />
        </div>
      )}
    </article>
  );
}

/** Per dependency: breaker state, error share and latency; write tokens can force the breaker. */
export function Dependencies(props: { dependencies: Record<string, DependencyView>; history: History; canWrite: boolean; refresh: () => void }) {
  return (
    <Cards
      items={props.dependencies}
      empty="No dependencies configured."
      card={(name, dep) => <Dependency key={name} dep={dep} history={props.history} canWrite={props.canWrite} refresh={props.refresh} />}
    />
  );
}
