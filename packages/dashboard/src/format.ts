/** Number formats for figures shown as text. */
export const count = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(1));
export const perSecond = (v: number): string => `${v < 10 ? v.toFixed(1) : Math.round(v)}/s`;
export const ms = (v: number): string => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;
export const percent = (v: number): string => `${Math.round(v * 100)}%`;

export function age(msValue: number): string {
  if (msValue < 1000) return `${Math.round(msValue)} ms`;
  const s = msValue / 1000;
  if (s < 120) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  return `${Math.round(s / 60)} min`;
}

export const time = (iso: string | undefined): string => (iso === undefined ? '' : new Date(iso).toLocaleTimeString());

/** A short, single-line rendering of an audit value (always shown as text). */
export function brief(value: unknown): string {
  if (value === undefined || value === null) return '—';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}
