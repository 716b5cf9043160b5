import { Table } from './Table.js';
import type { AssertView } from '../types.js';

const observed = (a: AssertView): string => {
  if (a.observedValue === null) return 'no data';
  const value = Number.isInteger(a.observedValue) ? String(a.observedValue) : a.observedValue.toFixed(2);
  return a.observedUnit === undefined || a.observedUnit === '' ? value : `${value} ${a.observedUnit}`;
};

/** Each assert with its verdict (pass, warn, fail) and the value it observed. */
export function Asserts({ asserts }: { asserts: Record<string, AssertView> }) {
  const list = Object.values(asserts);
  if (list.length === 0) return <p class="muted">No asserts declared.</p>;
  return (
    <Table label="Asserts" columns={['Assert', 'Expression', 'Verdict', 'Observed', 'Note']}>
      {list.map((a) => (
        <tr key={a.name}>
          <th scope="row">{a.name}</th>
          <td>
            <code>{a.expression}</code>
          </td>
          <td>
            <span class={`badge verdict-${a.status}`}>{a.status}</span>
          </td>
          <td>{observed(a)}</td>
          <td class="wrap">{a.output ?? ''}</td>
        </tr>
      ))}
    </Table>
  );
}
