import { Table } from './Table.js';
import { brief, time } from '../format.js';
import type { AuditEntry } from '../types.js';

/** Recent changes, newest first: who (the token's name), what, before, after, when. */
export function Audit({ entries }: { entries: AuditEntry[] }) {
  if (entries.length === 0) return <p class="muted">No changes yet.</p>;
  return (
    <Table label="Audit log" columns={['When', 'Who', 'What', 'Target', 'Before', 'After']}>
      {entries.map((e) => (
        <tr key={e.id}>
          <td>{time(e.at)}</td>
          <td>{e.actor}</td>
          <td>{e.action}</td>
          <td>{e.target}</td>
          <td class="wrap">
            <code>{brief(e.before)}</code>
          </td>
          <td class="wrap">
            <code>{brief(e.after)}</code>
          </td>
        </tr>
      ))}
    </Table>
  );
}
