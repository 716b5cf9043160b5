/** Small statistics helpers shared by the HTTP benches. */

/** The value at quantile `q` (0..1) of an unsorted list, nearest-rank; NaN when empty. */
export function quantile(values, q) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export const median = (values) => quantile(values, 0.5);
export const min = (values) => Math.min(...values);
export const max = (values) => Math.max(...values);

/** Fixed decimals, or `n/a` for a missing value. */
export function fixed(value, digits = 2) {
  if (value === undefined || value === null || Number.isNaN(value)) return 'n/a';
  if (value === Number.POSITIVE_INFINITY) return 'inf';
  return value.toFixed(digits);
}

/** Left-aligned text table: the first row is the header. */
export function table(rows) {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => String(row[col]).length)));
  const line = (row) => row.map((cell, col) => String(cell).padEnd(widths[col])).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join('\n');
}

/** Reads a positive number from the environment, else the default. */
export function envNumber(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

/**
 * Medians of a variant's runs and its ratios to the bare baseline's runs of the
 * same repetitions: of req/s (variant ÷ bare), and of server CPU time per request
 * (bare ÷ variant: the req/s ratio a saturated core shows, and far steadier when
 * something else runs on the machine). Runs carry `requestsPerSecond` and `cpuMicrosPerRequest`.
 */
export function againstBaseline(own, base) {
  const ratios = own.map((run, rep) => run.requestsPerSecond / base[rep].requestsPerSecond);
  const cpuRatios = own.map((run, rep) => base[rep].cpuMicrosPerRequest / run.cpuMicrosPerRequest);
  return {
    requestsPerSecond: median(own.map((r) => r.requestsPerSecond)),
    ratio: { median: median(ratios), min: min(ratios), max: max(ratios) },
    cpuMicrosPerRequest: median(own.map((r) => r.cpuMicrosPerRequest)),
    cpuRatio: { median: median(cpuRatios), min: min(cpuRatios), max: max(cpuRatios) },
  };
}
