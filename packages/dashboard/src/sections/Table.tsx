import type { ComponentChildren, VNode } from 'preact';

/**
 * A table that may scroll sideways on a phone: the scroll area is focusable and
 * named, so the keyboard can scroll it too.
 */
export function Table({ label, columns, children }: { label: string; columns: string[]; children: ComponentChildren }) {
  return (
    <div class="table-wrap" role="region" aria-label={label} tabIndex={0}>
      <table>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** The outcome of a control that failed (a 403, a 409, a 400 without a field), announced to screen readers. */
export function ActionError({ error }: { error: string }) {
  if (error === '') return null;
  return (
    <span class="error" role="alert">
      {error}
    </span>
  );
}

/** One card per named item, or a sentence when there is none. */
export function Cards<T>({ items, empty, card }: { items: Record<string, T>; empty: string; card: (name: string, item: T) => VNode }) {
  const names = Object.keys(items);
  if (names.length === 0) return <p class="muted">{empty}</p>;
  return <div class="cards">{names.map((name) => card(name, items[name] as T))}</div>;
}
