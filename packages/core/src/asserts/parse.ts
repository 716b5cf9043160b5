import { BallastError } from '../errors/index.js';

export type Comparison = '<' | '<=' | '>' | '>=';
export type Unit = 'ms' | 's' | '%' | '/s';

/** `<signal>(<args>) <op> <number>[unit]`, as written. */
export interface ParsedAssert {
  /** e.g. `p99`, `rate`, `active_connections`. */
  signal: string;
  /** The arguments in parentheses, e.g. `['latency', '/search']`; empty without parentheses. */
  args: string[];
  /** Position (0-based) of each argument, for errors found after parsing. */
  argPositions: number[];
  op: Comparison;
  threshold: number;
  unit: Unit | undefined;
  /** Position of the unit (or of the end, without one). */
  unitPosition: number;
}

/** An assert expression that does not parse or names something unknown; `position` is 0-based. */
export class AssertSyntaxError extends BallastError {
  static readonly code = 'BALLAST_ASSERT_SYNTAX';
  readonly position: number;
  readonly detail: string;

  constructor(expression: string, position: number, detail: string) {
    super(AssertSyntaxError.code, `at position ${position + 1}: ${detail} in "${expression}"`);
    this.position = position;
    this.detail = detail;
  }
}

const UNITS: readonly Unit[] = ['ms', 's', '%', '/s'];

/**
 * Parses one assert. Throws `AssertSyntaxError` with the (1-based, in the
 * message) position of the first character that does not fit.
 *
 * @example
 * parseAssert('p99(latency, /search) < 50ms');
 */
export function parseAssert(expression: string): ParsedAssert {
  let i = 0;
  const fail = (detail: string, at = i): never => {
    throw new AssertSyntaxError(expression, at, detail);
  };
  const skipSpace = (): void => {
    while (i < expression.length && /\s/.test(expression[i] as string)) i++;
  };

  skipSpace();
  const nameMatch = /^[a-z_][a-z0-9_]*/i.exec(expression.slice(i));
  if (nameMatch === null) fail('expected a signal such as p99(latency) or active_connections');
  const signal = (nameMatch as RegExpExecArray)[0];
  i += signal.length;

  const args: string[] = [];
  const argPositions: number[] = [];
  skipSpace();
  if (expression[i] === '(') {
    i++;
    for (;;) {
      skipSpace();
      const start = i;
      let arg: string;
      const quote = expression[i];
      if (quote === '"' || quote === "'") {
        const end = expression.indexOf(quote, i + 1);
        if (end < 0) fail('unterminated quoted argument');
        arg = expression.slice(i + 1, end);
        i = end + 1;
      } else {
        while (i < expression.length && !/[\s,()]/.test(expression[i] as string)) i++;
        arg = expression.slice(start, i);
      }
      if (arg.length === 0) fail('expected an argument');
      args.push(arg);
      argPositions.push(start);
      skipSpace();
      if (expression[i] === ',') {
        i++;
        continue;
      }
      if (expression[i] === ')') {
        i++;
        break;
      }
      fail('expected "," or ")"');
    }
  }

  skipSpace();
  const opMatch = /^(<=|>=|<|>)/.exec(expression.slice(i));
  if (opMatch === null) fail('expected one of <, <=, >, >=');
  const op = (opMatch as RegExpExecArray)[0] as Comparison;
  i += op.length;

  skipSpace();
  const numberMatch = /^-?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?/.exec(expression.slice(i));
  if (numberMatch === null) fail('expected a number');
  const threshold = Number((numberMatch as RegExpExecArray)[0]);
  // `1e400` parses to Infinity, which every reading would pass or fail for good.
  if (!Number.isFinite(threshold)) fail('the threshold must be a finite number');
  i += (numberMatch as RegExpExecArray)[0].length;

  const unitPosition = i;
  const unitMatch = /^(ms|s|%|\/s)/.exec(expression.slice(i));
  const unit = unitMatch === null ? undefined : (unitMatch[0] as Unit);
  if (unitMatch !== null) i += unitMatch[0].length;
  skipSpace();
  if (i < expression.length) {
    fail(unit === undefined && /^[a-z/]/i.test(expression.slice(i)) ? `unknown unit (use ${UNITS.join(', ')})` : 'unexpected text');
  }
  return { signal, args, argPositions, op, threshold, unit, unitPosition };
}
