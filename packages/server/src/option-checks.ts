import { EncoderError, formatBoundaryParameter } from '@mjpeg-kit/frame-encoder';
import { ServerError } from './errors.js';
import type { MjpegHubOptions } from './hub.js';

/**
 * The largest delay `setTimeout` honours, ms (2³¹ − 1, about 24.8 days): a longer one, and
 * `Infinity`, fire after 1 ms instead. Every numeric option stays at or below it.
 */
export const MAX_OPTION_MS = 2_147_483_647;

/**
 * Checks a numeric option: a finite number from `min` to `max` (`Infinity` and `NaN` are
 * refused: a timer given either fires at once).
 *
 * @throws ServerError `INVALID_OPTION` naming the option.
 */
export function checkNumberOption(name: string, value: number, min: number, max = MAX_OPTION_MS): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalidOption(name, `a finite number from ${min} to ${max}`, value);
  }
  return value;
}

/** Checks an optional boolean option. @throws ServerError `INVALID_OPTION`. */
export function checkBooleanOption(name: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw invalidOption(name, 'true or false', value);
  return value;
}

/** Checks an optional callback option. @throws ServerError `INVALID_OPTION`. */
export function checkFunctionOption<T extends (...args: never[]) => unknown>(
  name: string,
  value: T | undefined,
): T | undefined {
  if (value !== undefined && typeof value !== 'function') throw invalidOption(name, 'a function', value);
  return value;
}

/**
 * Checks an optional string option against `pattern` (anchored), described by `expected`.
 *
 * @throws ServerError `INVALID_OPTION`.
 */
export function checkStringOption(
  name: string,
  value: string | undefined,
  pattern: RegExp,
  expected: string,
): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || !pattern.test(value))) {
    throw invalidOption(name, expected, value);
  }
  return value;
}

/** Printable ASCII, no leading or trailing space: safe as (part of) an HTTP header value. */
export const HEADER_TEXT = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * Checks the options of `MjpegHub` that are not numbers (the constructor checks those as it
 * reads them): the boundary, the flags, the callbacks and the signal.
 *
 * @throws ServerError `INVALID_OPTION` naming the option.
 */
export function checkHubOptions(options: MjpegHubOptions): void {
  if (options.boundary !== undefined) {
    if (typeof options.boundary !== 'string') throw invalidOption('boundary', 'a string', options.boundary);
    try {
      formatBoundaryParameter(options.boundary);
    } catch (error) {
      if (!(error instanceof EncoderError)) throw error;
      throw new ServerError('INVALID_OPTION', `boundary is not usable: ${error.message}`, {
        option: 'boundary',
        cause: error,
      });
    }
  }
  checkBooleanOption('dropSameFrames', options.dropSameFrames);
  checkStringOption('sourceKind', options.sourceKind, HEADER_TEXT, 'a non-empty printable string');
  checkFunctionOption('onActive', options.onActive);
  checkFunctionOption('onIdle', options.onIdle);
  checkFunctionOption('onStatus', options.onStatus);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw invalidOption('signal', 'an AbortSignal', options.signal);
  }
}

/** `allowOrigin must be …, got "…"`, with the option named in `error.option`. */
export function invalidOption(name: string, expected: string, value: unknown): ServerError {
  return new ServerError('INVALID_OPTION', `${name} must be ${expected}, got ${describe(value)}`, {
    option: name,
  });
}

/** A short, quoted rendering of a bad value: never more than 40 characters of it. */
function describe(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
