import { z } from 'zod';
import { InvalidSettingsError } from '../errors/index.js';

/** An integer in [min, max] with one message that states the bound. */
export const intBetween = (min: number, max: number) => {
  const message = `must be an integer between ${min} and ${max}`;
  return z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });
};

/** A finite number in (exclusiveMin, max]. */
export const numberAbove = (exclusiveMin: number, max: number) => {
  const message = `must be a number greater than ${exclusiveMin} and at most ${max}`;
  return z.number({ error: message }).gt(exclusiveMin, { error: message }).max(max, { error: message });
};

/** Renders a received value for an error message without dumping large objects. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/**
 * Parses `input` with `schema`; on failure throws `InvalidSettingsError` naming the
 * first offending field (prefixed with `fieldPrefix`) and what was received.
 */
export function parseSettings<S extends z.ZodType>(schema: S, input: unknown, fieldPrefix = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  // A typo is the likelier cause than the field it left missing: name the unknown key first.
  const issues = result.error.issues;
  const issue = (issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]) as z.core.$ZodIssue;
  let path = issue.path;
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] as string;
    path = [...issue.path, key];
    message = `unknown setting ${key}`;
  } else if (path.length === 0 && (typeof input !== 'object' || input === null || Array.isArray(input))) {
    message = `must be a JSON object (got ${describeValue(input)})`;
  } else {
    message = `${message} (got ${describeValue(valueAt(input, path))})`;
  }
  const field = [fieldPrefix, ...path.map(String)].filter((s) => s.length > 0).join('.');
  throw new InvalidSettingsError(field.length > 0 ? field : '(body)', message);
}
