/** The range a numeric option must lie in; both ends inclusive. */
export interface NumberOptionRange {
  /** Smallest value allowed. Default: no lower bound. */
  min?: number;
  /** Largest value allowed. Default: no upper bound (still finite). */
  max?: number;
  /** Whole numbers only (safe integers). Default `false`. */
  integer?: boolean;
}

/**
 * What is wrong with a numeric option, as the tail of an error message (`must be a finite number
 * from 1 to 8, got Infinity`), or `undefined` when `value` is fine. `NaN` and `Infinity` are always
 * refused: an option that means a count, a size or a duration needs a finite number, and a timer
 * given either fires at once. Each package wraps the text in its own error with code
 * `INVALID_OPTION`: `` new SourceError('INVALID_OPTION', `fps ${problem}`, undefined, { option: 'fps' }) ``.
 */
export function describeInvalidNumber(value: unknown, range: NumberOptionRange = {}): string | undefined {
  const { min, max, integer = false } = range;
  const valid =
    typeof value === 'number' &&
    (integer ? Number.isSafeInteger(value) : Number.isFinite(value)) &&
    (min === undefined || value >= min) &&
    (max === undefined || value <= max);
  if (valid) return undefined;
  const kind = integer ? 'a whole number' : 'a finite number';
  const bounds =
    min !== undefined && max !== undefined
      ? ` from ${min} to ${max}`
      : min !== undefined
        ? ` of at least ${min}`
        : max !== undefined
          ? ` of at most ${max}`
          : '';
  return `must be ${kind}${bounds}, got ${describeValue(value)}`;
}

/**
 * Checks a numeric option with {@link describeInvalidNumber}: returns `value` when it is a finite
 * number in `range`, else throws `invalid(name, problem)`, the calling package's own
 * `INVALID_OPTION` error (so `instanceof` and `code` stay that package's).
 *
 * @example
 * ```ts
 * const fps = checkNumberOption('fps', options.fps, { min: 1, max: 120 }, invalidOption);
 * ```
 */
export function checkNumberOption<E extends Error>(
  name: string,
  value: number,
  range: NumberOptionRange,
  invalid: (name: string, problem: string) => E,
): number {
  const problem = describeInvalidNumber(value, range);
  if (problem !== undefined) throw invalid(name, problem);
  return value;
}

/**
 * What is wrong with an option that must be one of `choices`, as the tail of an error message
 * (`must be 'contiguous' or 'pieces', got 'copy'`), or `undefined` when it is one of them.
 */
export function describeInvalidChoice(value: unknown, choices: readonly string[]): string | undefined {
  if (typeof value === 'string' && choices.includes(value)) return undefined;
  const quoted = choices.map((choice) => `'${choice}'`);
  const list = quoted.length <= 1 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
  return `must be ${list}, got ${describeValue(value)}`;
}

/** A short rendering of a bad value: strings quoted and cut at 40 characters. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
