import { ActionError, Table } from './Table.js';
import { useAction } from '../action.js';
import type { BrokerView } from '../types.js';

function BrokerRow({ name, broker, canWrite, refresh }: { name: string; broker: BrokerView; canWrite: boolean; refresh: () => void }) {
  const [state, run] = useAction(refresh);
  const draining = broker.state === 'draining';
  return (
    <tr>
      <th scope="row">{name}</th>
      <td>{broker.type}</td>
      <td>
        <span class={`badge broker-${broker.state}`}>{broker.state}</span>
      </td>
      <td>{broker.published}</td>
      <td>{broker.consumed}</td>
      <td class="wrap">{broker.lastError ?? '—'}</td>
      {canWrite && (
        <td>
          <button type="button" class="secondary" disabled={state.busy} onClick={() => void run('PATCH', `brokers/${encodeURIComponent(name)}`, { drain: !draining })}>
            {draining ? `Undrain ${name}` : `Drain ${name}`}
          </button>
          <ActionError error={state.error} />
        </td>
      )}
    </tr>
  );
}

/** Brokers with state and counters; write tokens can drain one (or bring it back). */
export function Brokers({ brokers, canWrite, refresh }: { brokers: Record<string, BrokerView>; canWrite: boolean; refresh: () => void }) {
  const names = Object.keys(brokers);
  if (names.length === 0) return <p class="muted">No brokers configured.</p>;
  return (
    <Table label="Brokers" columns={['Broker', 'Type', 'State', 'Published', 'Consumed', 'Last error', ...(canWrite ? ['Action'] : [])]}>
      {names.map((name) => (
        <BrokerRow key={name} name={name} broker={brokers[name] as BrokerView} canWrite={canWrite} refresh={refresh} />
      ))}
    </Table>
  );
}
