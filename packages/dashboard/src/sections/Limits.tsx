import { Cards } from './Table.js';
import { useState } from 'preact/hooks';
import { Trend } from '../Chart.js';
import { count, perSecond } from '../format.js';
import type { History } from '../history.js';
import type { LimitView } from '../types.js';
import { LimitForm } from './LimitForm.js';

function ShedReasons({ reasons }: { reasons: Record<string, number> | undefined }) {
  const entries = Object.entries(reasons ?? {}).filter(([, n]) => n > 0);
  if (entries.length === 0) return <p class="muted">No requests shed.</p>;
  return (
    <p>
      Shed by reason:{' '}
      {entries.map(([reason, n], i) => (
        <span key={reason}>
          {i > 0 && ', '}
          {reason} <strong>{n}</strong>
        </span>
      ))}
    </p>
  );
}

function Limit({ limit, history, canWrite, refresh }: { limit: LimitView; history: History; canWrite: boolean; refresh: () => void }) {
  const [editing, setEditing] = useState(false);
  const load = `limit:${limit.name}:load`;
  const flow = `limit:${limit.name}:flow`;
  const s = limit.settings;
  return (
    <article class="card">
      <h3>{limit.name}</h3>
      <p class="settings-line">
        max concurrent <strong>{s.maxConcurrent}</strong> · max queue <strong>{s.maxQueue}</strong> · queue timeout{' '}
        <strong>{s.queueTimeoutMs} ms</strong> · rate <strong>{s.ratePerSecond === null ? 'unlimited' : `${s.ratePerSecond}/s`}</strong> · version{' '}
        {limit.version}
      </p>
      <div class="trends">
        <Trend title="Running and queued" data={history.data(load)} labels={['running', 'queued']} values={[limit.stats.running, limit.stats.queued]} format={count} />
        <Trend title="Admitted and shed per second" data={history.data(flow)} labels={['admitted', 'shed']} values={history.latest(flow)} format={perSecond} />
      </div>
      <ShedReasons reasons={limit.stats.shedByReason} />
      {canWrite && (
        <button type="button" class="secondary" aria-expanded={editing} onClick={() => setEditing(!editing)}>
          {editing ? `Close settings of ${limit.name}` : `Edit ${limit.name}`}
        </button>
      )}
      {canWrite && editing && (
        <LimitForm
          name={limit.name}
          settings={limit.settings}
          onDone={() => {
            setEditing(false);
            refresh();
          }}
        />
      )}
    </article>
  );
}

/** Per limit: running/queued and admitted/shed per second, shed reasons, and (write tokens) its settings. */
export function Limits(props: { limits: Record<string, LimitView>; history: History; canWrite: boolean; refresh: () => void }) {
  return (
    <Cards
      items={props.limits}
      empty="No limits configured."
      card={(name, limit) => <Limit key={name} limit={limit} history={props.history} canWrite={props.canWrite} refresh={props.refresh} />}
    />
  );
}
