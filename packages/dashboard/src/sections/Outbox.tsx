import { ActionError, Cards, Table } from './Table.js';
import { useAction } from '../action.js';
import { Trend } from '../Chart.js';
import { age, count, perSecond, time } from '../format.js';
import type { History } from '../history.js';
import type { DeadMessage, DestinationView } from '../types.js';

function Destination({ name, d, history }: { name: string; d: DestinationView; history: History }) {
  const delivered = `outbox:${name}:delivered`;
  return (
    <article class="card">
      <h3>{name}</h3>
      <p>
        oldest pending <strong>{age(d.oldestPendingAgeMs)}</strong> · dead <strong>{d.dead}</strong> · delivered <strong>{d.delivered}</strong>
        {d.breaker !== undefined && (
          <>
            {' '}
            · breaker <span class={`badge state-${d.breaker}`}>{d.breaker}</span>
          </>
        )}
        {d.paused && <span class="badge forced">paused</span>}
      </p>
      <div class="trends">
        <Trend title="Pending and in flight" data={history.data(`outbox:${name}:backlog`)} labels={['pending', 'in flight']} values={[d.pending, d.inFlight]} format={count} />
        <Trend title="Delivered per second" data={history.data(delivered)} labels={['delivered']} values={history.latest(delivered)} format={perSecond} />
      </div>
    </article>
  );
}

function DeadRow({ message, canWrite, refresh }: { message: DeadMessage; canWrite: boolean; refresh: () => void }) {
  const [state, run] = useAction(refresh);
  return (
    <tr>
      <td>{message.id}</td>
      <td>{message.destination}</td>
      <td>{message.key ?? '—'}</td>
      <td>{message.attempts}</td>
      <td class="wrap">{message.lastError ?? '—'}</td>
      <td>{time(message.deadAt)}</td>
      {canWrite && (
        <td>
          <button type="button" class="secondary" disabled={state.busy} onClick={() => void run('POST', `outbox/dead/${encodeURIComponent(message.id)}/retry`)}>
            Retry message {message.id}
          </button>
          <ActionError error={state.error} />
        </td>
      )}
    </tr>
  );
}

/** Per destination: backlog, oldest age and delivered per second; the dead list with retry (write tokens). */
export function Outbox(props: { destinations: Record<string, DestinationView>; dead: DeadMessage[]; history: History; canWrite: boolean; refresh: () => void }) {
  return (
    <>
      <Cards
        items={props.destinations}
        empty="No outbox destinations configured."
        card={(name, d) => <Destination key={name} name={name} d={d} history={props.history} />}
      />
      <h3>Dead messages</h3>
      {props.dead.length === 0 ? (
        <p class="muted">No dead messages.</p>
      ) : (
        <Table label="Dead messages" columns={['Id', 'Destination', 'Key', 'Attempts', 'Last error', 'Dead since', ...(props.canWrite ? ['Action'] : [])]}>
          {props.dead.map((m) => (
            <DeadRow key={m.id} message={m} canWrite={props.canWrite} refresh={props.refresh} />
          ))}
        </Table>
      )}
    </>
  );
}
