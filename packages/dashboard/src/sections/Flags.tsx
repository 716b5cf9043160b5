import { ActionError, Table } from './Table.js';
import { useAction } from '../action.js';
import type { FlagView } from '../types.js';

const stateText = (f: FlagView): string => (f.state.stage === 'off' ? 'off' : `${f.state.stage} ${f.state.percent ?? 100}%`);

function Evaluations({ evaluations }: { evaluations: FlagView['evaluations'] }) {
  const rings = Object.entries(evaluations ?? {});
  if (rings.length === 0) return <>—</>;
  return (
    <>
      {rings.map(([ring, e], i) => (
        <span key={ring}>
          {i > 0 && '; '}
          {ring}: {e.on} on, {e.off} off
        </span>
      ))}
    </>
  );
}

function FlagRow({ flag, canWrite, refresh }: { flag: FlagView; canWrite: boolean; refresh: () => void }) {
  const [state, run] = useAction(refresh);
  const path = (step: string): string => `flags/${encodeURIComponent(flag.name)}/${step}`;
  return (
    <tr>
      <th scope="row">{flag.name}</th>
      <td>{flag.state.stage}</td>
      <td>{flag.state.stage === 'off' ? '—' : `${flag.state.percent ?? 100}%`}</td>
      <td>
        <Evaluations evaluations={flag.evaluations} />
      </td>
      {canWrite && (
        <td>
          <div class="actions" role="group" aria-label={`Rollout of ${flag.name}, now ${stateText(flag)}`}>
            <button type="button" class="secondary" disabled={state.busy} onClick={() => void run('POST', path('promote'))}>
              Promote {flag.name}
            </button>
            <button type="button" class="secondary" disabled={state.busy} onClick={() => void run('POST', path('rollback'))}>
              Roll back {flag.name}
            </button>
          </div>
          <ActionError error={state.error} />
        </td>
      )}
    </tr>
  );
}

/** Flags with their ring and percentage; write tokens can promote or roll back one step. */
export function Flags({ flags, canWrite, refresh }: { flags: Record<string, FlagView>; canWrite: boolean; refresh: () => void }) {
  const list = Object.values(flags);
  if (list.length === 0) return <p class="muted">No flags declared.</p>;
  return (
    <Table label="Flags" columns={['Flag', 'Ring', 'Percent', 'Evaluations', ...(canWrite ? ['Rollout'] : [])]}>
      {list.map((f) => (
        <FlagRow key={f.name} flag={f} canWrite={canWrite} refresh={refresh} />
      ))}
    </Table>
  );
}
