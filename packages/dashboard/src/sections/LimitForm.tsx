import { useState } from 'preact/hooks';
import { useAction } from '../action.js';
import { ActionError } from './Table.js';
import type { LimitSettings } from '../types.js';

const FIELDS: { key: keyof LimitSettings; label: string; step: string }[] = [
  { key: 'maxConcurrent', label: 'Max concurrent', step: '1' },
  { key: 'maxQueue', label: 'Max queue', step: '1' },
  { key: 'queueTimeoutMs', label: 'Queue timeout (ms)', step: '1' },
  { key: 'ratePerSecond', label: 'Rate per second (empty: unlimited)', step: 'any' },
  { key: 'burst', label: 'Burst (empty: the rate, rounded up)', step: '1' },
];

/** Fields where empty means `null` (no rate; burst follows the rate). */
const NULLABLE = new Set<keyof LimitSettings>(['ratePerSecond', 'burst']);

type Draft = Record<keyof LimitSettings, string>;

const draftOf = (s: LimitSettings): Draft => ({
  maxConcurrent: String(s.maxConcurrent),
  maxQueue: String(s.maxQueue),
  queueTimeoutMs: String(s.queueTimeoutMs),
  ratePerSecond: s.ratePerSecond === null ? '' : String(s.ratePerSecond),
  burst: s.burst === null ? '' : String(s.burst),
});

/** The fields the operator changed, as the API takes them; the API validates (and names the field it refuses). */
function patchOf(draft: Draft, current: LimitSettings): Partial<Record<keyof LimitSettings, unknown>> {
  const patch: Partial<Record<keyof LimitSettings, unknown>> = {};
  for (const { key } of FIELDS) {
    const raw = draft[key].trim();
    // An emptied field is sent as it is, for the API to refuse by name: never read as 0 (which closes a limit).
    const value = raw === '' ? (NULLABLE.has(key) ? null : raw) : Number(raw);
    if (value !== current[key]) patch[key] = value;
  }
  return patch;
}

/** Inline editor of one limit's settings (write tokens only): `PATCH /limits/:name`. */
export function LimitForm({ name, settings, onDone }: { name: string; settings: LimitSettings; onDone: () => void }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(settings));
  const [state, run] = useAction(onDone);
  const byField = FIELDS.some((f) => f.key === state.field);
  const id = (key: string): string => `limit-${encodeURIComponent(name)}-${key}`;
  const submit = async (event: Event) => {
    event.preventDefault();
    await run('PATCH', `limits/${encodeURIComponent(name)}`, patchOf(draft, settings));
  };
  return (
    <form class="settings" onSubmit={submit} aria-label={`Settings of limit ${name}`}>
      {FIELDS.map(({ key, label, step }) => {
        const invalid = state.field === key;
        return (
          <div class="field" key={key}>
            <label for={id(key)}>{label}</label>
            <input
              id={id(key)}
              name={key}
              type="number"
              step={step}
              value={draft[key]}
              aria-invalid={invalid}
              aria-describedby={invalid ? id(`${key}-error`) : undefined}
              onInput={(e) => setDraft({ ...draft, [key]: (e.currentTarget as HTMLInputElement).value })}
            />
            {invalid && (
              <span id={id(`${key}-error`)} class="error" role="alert">
                {state.error}
              </span>
            )}
          </div>
        );
      })}
      <div class="actions">
        <button type="submit" disabled={state.busy}>
          Save {name}
        </button>
        <ActionError error={byField ? '' : state.error} />
      </div>
    </form>
  );
}
